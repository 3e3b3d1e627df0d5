from zoomclub.cli import run

run()
