"""Legato's concurrency runtime: which thread runs what, and how work crosses between them.

Three kinds of thread serve an app:

- **The event loop's thread.** Under ASGI it is the server's; under WSGI it is a
  `LoopThread` ("legato-wsgi-loop", `loop_thread`), one per worker process, started with
  the app and kept for its life. Every coroutine of the app runs here, so nothing here
  may block: sync code called from the loop goes to the pool.
- **The pool's threads** ("legato-sync_N", `pool.ThreadPool`): sync views, sync
  middleware and hooks, sync iterators and after-response calls called from the loop.
  `thread_pool_size` bounds how many of them run sync code at once (the places); a
  thread that waits for the loop (`async_to_sync`, `waiting_for_the_loop`) gives its
  place up meanwhile, so sync code above async code never caps how many requests are
  served.
- **A WSGI server's threads.** They run the request's chain themselves: sync code there
  costs no hop, and each async part waits for the loop thread (`LoopThread.run`).

Each crossing is one hand-off, and each ends with one thread waking another through a
`wakeup.Wakeup` (an eventfd write, which drops the GIL):

- loop -> pool: a `pool.Job` queued for the threads; the thread that ran it leaves it in
  the loop's inbox, which settles finished jobs in batches, woken once per batch;
- pool or WSGI thread -> loop: `LoopThread.run` (WSGI), or asgiref's `async_to_sync`,
  which finds the loop through the thread-local the pool sets for each job;
- loop -> WSGI thread, for a streamed body: `loop_thread.Handoff`, one chunk at a time.

Context variables cross with every hand-off, both ways, as asgiref's hops carry them.
`sync_to_async` and `async_to_sync` are asgiref's (`bridge`); the private parts of
asgiref Legato relies on are all in `asgiref_internals`, which a test checks against the
installed asgiref. The public names are exported by `legato.sync`.
"""
