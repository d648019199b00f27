from threadline.cli import entry

entry()
