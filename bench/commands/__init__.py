"""One module per `python -m bench` command."""
