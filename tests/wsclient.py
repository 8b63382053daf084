"""A light Streamlit session over the server's websocket (no browser): runs pages the way the
front end asks for them and collects what they render.

Used by the stress tests to drive many concurrent sessions cheaply: a session is one websocket
speaking Streamlit's protobuf protocol (BackMsg.rerun_script → ForwardMsg deltas until
script_finished). Only localhost servers are driven.
"""
from __future__ import annotations

import asyncio
import io
import time
from dataclasses import dataclass, field

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

SUCCESS = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_SUCCESSFULLY")


@dataclass
class PageRun:
    page: str
    seconds: float
    exceptions: list[str] = field(default_factory=list)
    metrics: dict[str, str] = field(default_factory=dict)
    markdown: list[str] = field(default_factory=list)
    frames: list = field(default_factory=list)   # pandas DataFrames of st.dataframe/st.table
    titles: list[str] = field(default_factory=list)


def _frame(proto_bytes: bytes):
    import pyarrow as pa
    return pa.ipc.open_stream(io.BytesIO(proto_bytes)).read_all().to_pandas()


class Session:
    """One browser-like session on a running server (``async with Session(url) as s``)."""

    def __init__(self, http_url: str, query_string: str = ""):
        self.ws_url = http_url.replace("http://", "ws://") + "/_stcore/stream"
        self.query_string = query_string
        self.ws = None

    async def __aenter__(self):
        self.ws = await websockets.connect(self.ws_url, subprotocols=["streamlit"], max_size=None,
                                           open_timeout=60, ping_interval=None)
        return self

    async def __aexit__(self, *exc):
        await self.ws.close()

    async def run(self, page_name: str = "", timeout: float = 120, frames: bool = False) -> PageRun:
        """Ask for `page_name` (URL path of the page, '' = default) and wait until it finished."""
        msg = BackMsg()
        msg.rerun_script.query_string = self.query_string
        msg.rerun_script.page_name = page_name
        t0 = time.time()
        await self.ws.send(msg.SerializeToString())
        out = PageRun(page_name, 0.0)
        deadline = t0 + timeout
        while True:
            left = deadline - time.time()
            if left <= 0:
                raise TimeoutError(f"page {page_name!r} did not finish in {timeout} s")
            fm = ForwardMsg()
            fm.ParseFromString(await asyncio.wait_for(self.ws.recv(), left))
            kind = fm.WhichOneof("type")
            if kind == "new_session":
                out = PageRun(page_name, 0.0)  # a (re)run starts: collect afresh
            elif kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
                el = fm.delta.new_element
                t = el.WhichOneof("type")
                if t == "exception":
                    out.exceptions.append(f"{el.exception.type}: {el.exception.message}")
                elif t == "metric":
                    out.metrics[el.metric.label] = el.metric.body
                elif t == "markdown":
                    out.markdown.append(el.markdown.body)
                elif t == "heading":
                    out.titles.append(el.heading.body)
                elif frames and t in ("dataframe", "table"):
                    out.frames.append(_frame(getattr(el, t).arrow_data.data))
            elif kind == "script_finished":
                if fm.script_finished == SUCCESS:
                    out.seconds = time.time() - t0
                    return out
                # finished early for a rerun (the shell's first-visit rerun): keep reading
