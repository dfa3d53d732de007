"""The FastAPI benchmark app: `main.app` serves the contract, `hello.py` is the docs' first step."""
