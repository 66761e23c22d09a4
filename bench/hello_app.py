"""The web benchmark's baseline: the smallest Flask app, from the same virtualenv, served by
the same gunicorn settings (`gunicorn -c gunicorn.conf.py bench.hello_app:app`)."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "Hello, World!"
