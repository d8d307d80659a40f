"""apmarket: reproducible pipeline for LA surveys of alternative provision."""
