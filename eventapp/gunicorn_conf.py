"""gunicorn's settings wherever eventapp is served: `make run`, the Docker image and so
compose.yaml's app servers all start, from the project's folder,

    gunicorn -c eventapp/gunicorn_conf.py -w <workers> -b <address> ... 'eventapp:create_app()'

The address and the number of workers differ between them and stay on their command lines;
what is here must not (issue 14). A file path, not `python:eventapp.gunicorn_conf`: that
would import the eventapp package into gunicorn's master, and workers started after a
`kill -HUP` (a new release) would inherit the old code instead of importing the new.

Why threads: browsers open connections ahead of need (Chromium keeps a spare socket or two
after showing a page or a PDF) and may send nothing on them for a long time. A sync worker
accepts such a connection and blocks reading it: with two of them, `make run`'s two workers
served nobody until gunicorn killed them 30 s later ("WORKER TIMEOUT ... no URI read",
SIGKILL). A gthread worker waits for a request's first bytes in a thread for 5 s at most,
then in its event loop, keeps connections alive for the PDF viewer's next request, and
answers pages in its other threads while one renders a PDF. WeasyPrint is not
thread-safe, so rendering is one at a time per process (services/pdf.py `rendering`).
"""

worker_class = "gthread"
# While one thread renders (holding the render lock, sharing the GIL), the others serve
# pages; each idle connection may hold one of them for 5 s.
threads = 8
# Chromium's PDF viewer asks for /favicon.ico right after the PDF: on the same connection.
# Kept-alive connections wait in the event loop, not in a thread.
keepalive = 5
# gunicorn's default, kept on purpose: with gthread the timeout is the worker's heartbeat
# from its event loop, not the length of a request, so a long render (a print batch made
# with "Make it now") is not killed; only a worker whose loop is stuck is.
timeout = 30
# After SIGTERM or SIGHUP, the requests being answered (a badge rendering) may finish.
graceful_timeout = 30
