"""One TCP proxy per directed peer link, so the chaos harness can partition real nodes without root.

Every node's config lists its peers at proxy addresses: node i dials peer j at the port of link
(i, j), and that proxy forwards to j's real p2p port. The nodes' handshake authenticates keys,
not addresses, so the proxies are invisible to them (the server side accepts any address whose
key is in its peer set). Cutting a pair of nodes acts on both directed links, because either
node's dialed connection may be the one the pair keeps (docs/p2p.md, "One connection per peer").

A cut link is one of:
  reset      live connections are closed and new ones are accepted and closed at once
             (the dialer sees the peer drop and retries with backoff)
  blackhole  live connections stay open but carry nothing, and new ones are accepted and
             never forwarded (the nodes find out only through their idle and handshake timeouts)

All sockets live on one asyncio loop in a background thread; cut/heal are thread-safe.
"""
import asyncio
import threading


class _Link:
    def __init__(self, target_port):
        self.target_port = target_port
        self.mode = None  # None: forwarding; "reset" or "blackhole": cut
        self.conns = set()  # (client_writer, upstream_writer)
        self.server = None
        self.opened = 0


class LinkProxies:
    def __init__(self):
        self._loop = asyncio.new_event_loop()
        self._links = {}
        self._thread = threading.Thread(target=self._loop.run_forever, name="chaos-links", daemon=True)
        self._thread.start()

    def _call(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=30)

    def add(self, src, dst, listen_port, target_port):
        """Starts the proxy of link src -> dst on listen_port, forwarding to target_port."""
        link = _Link(target_port)
        self._links[(src, dst)] = link

        async def start():
            link.server = await asyncio.start_server(lambda r, w: self._serve(link, r, w), "127.0.0.1", listen_port,
                                                     reuse_address=True)
        self._call(start())

    async def _serve(self, link, reader, writer):
        if link.mode is not None:
            if link.mode == "reset":
                writer.close()
                return
            # blackhole: hold the connection, forward nothing, until the peer gives up
            link.conns.add((writer, None))
            try:
                while await reader.read(65536):
                    pass
            finally:
                link.conns.discard((writer, None))
                writer.close()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", link.target_port)
        except OSError:
            writer.close()  # the target node is down: as if its port were closed
            return
        pair = (writer, up_writer)
        link.conns.add(pair)
        link.opened += 1
        try:
            await asyncio.gather(self._pump(link, reader, up_writer), self._pump(link, up_reader, writer))
        finally:
            link.conns.discard(pair)
            writer.close()
            up_writer.close()

    async def _pump(self, link, reader, writer):
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                if link.mode == "blackhole":
                    continue  # swallowed: the stream stalls without closing
                if link.mode == "reset":
                    break
                writer.write(data)
                await writer.drain()
        except (OSError, asyncio.CancelledError):
            pass
        finally:
            try:
                writer.close()
            except OSError:
                pass

    def cut(self, src, dst, mode="reset"):
        assert mode in ("reset", "blackhole")
        link = self._links[(src, dst)]

        async def do():
            link.mode = mode
            if mode == "reset":
                for client, upstream in list(link.conns):
                    client.close()
                    if upstream is not None:
                        upstream.close()
        self._call(do())

    def heal(self, src, dst):
        link = self._links[(src, dst)]

        async def do():
            # Connections held through a blackhole are dropped on heal: their bytes are gone,
            # so the secretstream would fail anyway; the nodes redial.
            for client, upstream in list(link.conns):
                if upstream is None or link.mode == "blackhole":
                    client.close()
                    if upstream is not None:
                        upstream.close()
            link.mode = None
        self._call(do())

    def cut_pair(self, a, b, mode="reset"):
        for s, d in ((a, b), (b, a)):
            if (s, d) in self._links:
                self.cut(s, d, mode)

    def heal_pair(self, a, b):
        for s, d in ((a, b), (b, a)):
            if (s, d) in self._links:
                self.heal(s, d)

    def heal_all(self):
        for (s, d) in list(self._links):
            self.heal(s, d)

    def opened(self):
        return sum(link.opened for link in self._links.values())

    def close(self):
        async def stop():
            for link in self._links.values():
                if link.server is not None:
                    link.server.close()
                for client, upstream in list(link.conns):
                    client.close()
                    if upstream is not None:
                        upstream.close()
        try:
            self._call(stop())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
