"""A TCP proxy on loopback that forwards to HOST:PORT, sending at most RATE bytes per second per connection
towards the server (uploads crawl; answers are not slowed), for the Swift tests: a signal or a cancellation during
a slow multipart upload.

Usage: throttle_proxy.py HOST PORT RATE [FLAG]
FLAG: a file created once a connection has sent more than 16 KiB towards the server (an upload is under way).
Prints {"endpoint": "http://127.0.0.1:N"} once listening; serves until stdin closes.
"""
import asyncio
import json
import sys

host, port, rate = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
flag = sys.argv[4] if len(sys.argv) > 4 else None
CHUNK = max(1, rate // 20)


async def pipe(reader, writer, throttled):
    sent = 0
    try:
        while True:
            data = await reader.read(CHUNK if throttled else 65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
            sent += len(data)
            if throttled and flag and sent > 16 << 10:
                open(flag, "a").close()
            if throttled:
                await asyncio.sleep(len(data) / rate)
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        try:
            writer.close()
        except Exception:
            pass


async def handle(client_reader, client_writer):
    try:
        server_reader, server_writer = await asyncio.open_connection(host, port)
    except OSError:
        client_writer.close()
        return
    await asyncio.gather(
        pipe(client_reader, server_writer, True), pipe(server_reader, client_writer, False))


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    print(json.dumps({"endpoint": "http://127.0.0.1:%d" % server.sockets[0].getsockname()[1]}), flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)


asyncio.run(main())
