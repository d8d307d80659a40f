"""Analysis modules, one per area of the report. Each has ``run(settings, derived) -> list[FigureTable]``.

``derived`` holds ``clean`` (validated responses), ``respondents``, ``context`` (public data of
every frame LA), ``la_frame``, ``type_costs`` and ``phase_costs`` (see pipeline/derive.py).
Add a module here to add its tables to every run.
"""

from . import context, costs, journeys, provision

MODULES = [costs, provision, journeys, context]
