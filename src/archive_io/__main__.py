from archive_io.cli import app

app(prog_name="archive-io")
