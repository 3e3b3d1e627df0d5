from zoomclub.cli import main

main()
