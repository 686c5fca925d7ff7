"""ui/server.py: Nagle off on the app's sockets, so a rerun's messages are not held back 40 ms."""

import asyncio
import socket

from async_support import run_async

from ui.server import has_nodelay, nodelay_everywhere, nodelay_on_open_sockets


def test_an_open_socket_made_without_a_protocol_number_gets_nodelay():
    with socket.socket(socket.AF_INET) as listener:  # as Streamlit 1.67 makes its own: proto 0
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        assert listener.proto == 0
        nodelay_on_open_sockets()
        assert has_nodelay(listener)


def test_connections_asyncio_accepts_later_get_nodelay():
    nodelay_everywhere()
    nodelay_everywhere()  # a second call changes nothing

    async def scenario() -> bool:
        accepted: asyncio.Future = asyncio.get_running_loop().create_future()

        class Remember(asyncio.Protocol):
            def connection_made(self, transport):
                if not accepted.done():
                    accepted.set_result(transport)

        with socket.socket(socket.AF_INET) as listener:  # proto 0: asyncio alone skips Nagle
            listener.bind(("127.0.0.1", 0))
            listener.listen()
            server = await asyncio.get_running_loop().create_server(Remember, sock=listener)
            try:
                _, writer = await asyncio.open_connection(*listener.getsockname())
                transport = await asyncio.wait_for(accepted, timeout=10)
                result = has_nodelay(transport.get_extra_info("socket"))
                writer.close()
                transport.close()
                return result
            finally:
                server.close()

    assert run_async(scenario())
