"""The bundled demo catalog (`catalog.jsonl.gz`) and the script that builds it (`build.py`)."""
