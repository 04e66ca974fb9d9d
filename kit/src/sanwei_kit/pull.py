"""Taking the messages waiting on a pull consumer, without a task per message.

nats-py's `PullSubscription.fetch(n)` receives each message through `Subscription.next_msg`,
which makes a uuid4 (a `getrandom` system call), a task and an `asyncio.wait_for` (a second
task and a timer) for every message, about 55 µs each on the 2-core machines sanwei is
measured on. A consumer that takes a hundred waiting messages behind the first spent more
there than on validating them; audit and webhooks take every event of the catalogue.

`fetch_waiting` asks for the batch the same way (one `no_wait` pull request: the server sends
what is there now and says when nothing more is) and takes the replies straight from the
subscription's queue, under one deadline for the whole batch. It reads nats-py's
`PullSubscription` internals (`_sub`, `_nms`, `_deliver`): nats-py is pinned in the
workspace's constraint-dependencies, and its tests (test_kit_pull_nats) and every consumer
test run it against a real nats-server, so a nats-py upgrade that moves them fails there.
"""

from __future__ import annotations

import asyncio
import json

from nats.aio.msg import Msg
from nats.js import JetStreamContext, api


async def fetch_waiting(pull: JetStreamContext.PullSubscription, batch: int, timeout: float) -> list[Msg]:
    """Up to `batch` messages waiting on the consumer now; fewer (or none) if fewer wait.

    Returns as soon as the server has sent what it had (its "no messages" status after them),
    when `batch` have come, or after `timeout` seconds with whatever came. A status other than
    "no messages", "request timeout" or a heartbeat (the consumer deleted, …) raises nats-py's
    APIError for it, as `fetch` does.
    """
    sub = pull._sub
    queue: asyncio.Queue[Msg] = sub._pending_queue
    messages: list[Msg] = []

    def status_of(msg: Msg) -> str | None:
        """Take `msg` off the queue's books (as next_msg does) and say its status, None for a message."""
        sub._pending_size -= len(msg.data)
        queue.task_done()
        return JetStreamContext.is_status_msg(msg)

    # What an earlier pull left queued comes first; a status left there ends nothing now.
    while not queue.empty() and len(messages) < batch:
        msg = queue.get_nowait()
        if not status_of(msg):
            messages.append(msg)
    if len(messages) >= batch:
        return messages
    request = json.dumps({"batch": batch - len(messages), "no_wait": True}).encode()
    await pull._nc.publish(pull._nms, request, pull._deliver)
    try:
        async with asyncio.timeout(timeout):
            while len(messages) < batch:
                msg = queue.get_nowait() if not queue.empty() else await queue.get()
                status = status_of(msg)
                if not status:
                    messages.append(msg)
                elif status in (api.StatusCode.NO_MESSAGES, api.StatusCode.REQUEST_TIMEOUT):
                    break  # the server has sent what it had
                elif status != api.StatusCode.CONTROL_MESSAGE:  # not a heartbeat: an error, raised as fetch does
                    JetStreamContext._is_processable_msg(status, msg)
    except TimeoutError:
        pass  # what came before the deadline is the batch
    return messages
