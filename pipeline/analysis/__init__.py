"""Analysis modules, one per section of the survey (``config/codebook.yaml``: purpose, provision,
costs, sen, responsibility, pupils, demand, effectiveness) plus ``context`` (respondent profile and
public statistics). Each has ``run(settings, derived) -> list[FigureTable]``; the ordinary tables
of a section are declared in ``config/tables/<section>.yaml`` and built by ``specs``.

``derived`` holds ``clean`` (validated responses), ``respondents``, ``context`` (public data of
every frame LA), ``la_frame`` (every per-LA concept), ``type_costs`` and ``phase_costs`` (see
pipeline/derive.py). Add a module here to add its tables to every run.
"""

from . import context, costs, demand, effectiveness, provision, pupils, purpose, responsibility, sen

MODULES = [costs, provision, sen, responsibility, pupils, purpose, demand, effectiveness, context]
