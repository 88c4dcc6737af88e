"""A server that does nothing, for measuring the load generator itself (bench/load.py --client-check).

It reads each HTTP/1.1 request (headers and a Content-Length body) and answers with the ceiling's fixed
TwiML on the same keep-alive connection, from one asyncio loop. What the load generator reaches against
it is the most the generator can drive on this machine: its own limit, not any server's.

Run: .venv/bin/python bench/null_server.py PORT   (it listens on 127.0.0.1 only, and stops on SIGTERM)
"""

from __future__ import annotations

import asyncio
import signal
import sys

from ceiling import TWIML

RESPONSE = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: "
    + str(len(TWIML)).encode()
    + b"\r\n\r\n"
    + TWIML
)
NO_CONTENT = b"HTTP/1.1 204 No Content\r\n\r\n"
MAX_HEADER_LINES = 100


async def serve_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            request_line = await reader.readline()
            if not request_line:
                break
            length = 0
            for _ in range(MAX_HEADER_LINES):
                line = await reader.readline()
                if line in (b"\r\n", b"\n", b""):
                    break
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            if length:
                await reader.readexactly(length)
            writer.write(NO_CONTENT if b"/voice/status" in request_line else RESPONSE)
    except (ConnectionError, asyncio.IncompleteReadError, ValueError):
        pass
    finally:
        writer.close()


async def main(port: int) -> None:
    server = await asyncio.start_server(serve_connection, "127.0.0.1", port, backlog=128)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    print(f"null server on 127.0.0.1:{port}", flush=True)
    async with server:
        await stop.wait()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
