"""A Streamlit session without a browser: Streamlit's own protobuf messages over its websocket.

One `Session` opens `/_stcore/stream`, asks for a run of a page (with URL parameters), and reads
`ForwardMsg`s until `script_finished`. It keeps the sliders it saw, so it can move one the way
the browser does: a `rerun_script` `BackMsg` whose widget states carry the new value. A browser
sends the state of every widget; sending only the one that changed is enough, because Streamlit
keeps the previous value of a widget it is not told about.

Behind a proxy (bench/proxy.py), a session can carry what a browser's would: extra headers (the
Cookie that pins it to a replica, an Origin) and the XSRF token as the second subprotocol. It
also keeps the download buttons it saw, and can ask for a deferred download's file the way the
browser does (a `backend_operation_request`, answered with the file's URL).

It keeps the buttons it saw too, and clicks one as the browser does (a trigger value, in the
fragment the button lives in), and what the last run showed of a status: its alerts and progress
bars. Fragments with `run_every` are announced by `auto_rerun` messages (and withdrawn by
`stop_auto_rerun`); the browser then reruns them on a timer, which a client does by calling
`run(fragment_id=…)` for each fragment in `auto_reruns` (bench/train.py does).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import connect

FINISHED = ForwardMsg.ScriptFinishedStatus


@dataclass
class SliderInfo:
    """A slider as drawn; a select slider's value, range and step count its options' indices."""

    id: str
    label: str
    value: float
    low: float
    high: float
    step: float
    fragment_id: str = ""  # set when the slider is drawn inside an st.fragment
    options: tuple[str, ...] = ()  # a select slider's options, as shown (its format_func's text)

    @property
    def key(self) -> str:
        return self.id.rsplit("-", 1)[-1]  # ids end in "-<user key>" for keyed widgets


@dataclass
class DownloadInfo:
    id: str
    label: str
    deferred_file_id: str  # empty for a button whose file was made during the run
    url: str  # the file's URL when it was made during the run

    @property
    def key(self) -> str:
        return self.id.rsplit("-", 1)[-1]


@dataclass
class ButtonInfo:
    id: str
    label: str
    fragment_id: str = ""  # set when the button is drawn inside an st.fragment
    disabled: bool = False

    @property
    def key(self) -> str:
        return self.id.rsplit("-", 1)[-1]


@dataclass
class RunResult:
    seconds: float  # from sending the request to script_finished
    bytes: int  # ForwardMsg bytes received for this run
    messages: int
    status: str  # a ScriptFinishedStatus name, "timeout" or "closed"
    exceptions: list[str] = field(default_factory=list)
    query: str | None = None  # the address bar the run wrote, if it wrote one

    @property
    def ok(self) -> bool:
        done = ("FINISHED_SUCCESSFULLY", "FINISHED_FRAGMENT_RUN_SUCCESSFULLY")
        return self.status in done and not self.exceptions


class Session:
    """One browser tab's worth of protocol, for benchmarks (loopback only)."""

    def __init__(
        self,
        port: int,
        page_name: str = "",
        query_string: str = "",
        *,
        headers: Mapping[str, str] | None = None,
        xsrf_token: str | None = None,
    ) -> None:
        self.url = f"ws://127.0.0.1:{port}/_stcore/stream"
        self.page_name = page_name
        self.query_string = query_string
        self.page_script_hash = ""
        self.sliders: dict[str, SliderInfo] = {}  # by user key (or id), as last drawn
        self.downloads: dict[str, DownloadInfo] = {}  # by user key (or id), as last drawn
        self.buttons: dict[str, ButtonInfo] = {}  # by user key (or id), as last drawn
        self.alerts: list[tuple[str, str]] = []  # the last run's (format name, body), in order
        self.progress: list[tuple[int, str]] = []  # the last run's progress bars (value, text)
        self.auto_reruns: dict[str, float] = {}  # fragment id -> seconds between its reruns
        self.headers = dict(headers or {})  # sent with the websocket handshake (e.g. Cookie)
        self.xsrf_token = xsrf_token  # the browser sends it as the second subprotocol
        self.session_id = ""  # the server's id for this session (from new_session)
        self.address_bar: str | None = None  # the query string the app last wrote
        self.ws = None

    async def __aenter__(self) -> Session:
        protocols = ["streamlit", self.xsrf_token] if self.xsrf_token else ["streamlit"]
        self.ws = await connect(
            self.url,
            subprotocols=protocols,
            additional_headers=self.headers or None,
            max_size=None,
            open_timeout=30,
            ping_timeout=None,
        )
        return self

    async def __aexit__(self, *exc) -> None:
        if self.ws is not None:
            await self.ws.close()

    async def run(self, widgets=(), *, timeout: float = 60.0, fragment_id: str = "") -> RunResult:
        """Request a run (with these WidgetState messages) and read until it finishes.

        With `fragment_id`, only that fragment reruns, as when the browser sends a change of a
        widget drawn inside an `st.fragment`.
        """
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = self.query_string
        state.page_name = self.page_name
        if fragment_id:
            state.fragment_id = fragment_id
        if self.page_script_hash:
            state.page_script_hash = self.page_script_hash
        for widget in widgets:
            state.widget_states.widgets.append(widget)
        self.alerts, self.progress = [], []
        start = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        received = count = 0
        exceptions: list[str] = []
        query = None
        deadline = start + timeout
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                return RunResult(
                    time.perf_counter() - start, received, count, "timeout", exceptions
                )
            try:
                raw = await asyncio.wait_for(self.ws.recv(), timeout=left)
            except TimeoutError:
                return RunResult(
                    time.perf_counter() - start, received, count, "timeout", exceptions
                )
            except Exception as error:  # the connection went away
                status = f"closed: {type(error).__name__}"
                return RunResult(time.perf_counter() - start, received, count, status, exceptions)
            received += len(raw)
            count += 1
            fm = ForwardMsg()
            fm.ParseFromString(raw)
            kind = fm.WhichOneof("type")
            if kind == "page_info_changed":
                query = self.address_bar = fm.page_info_changed.query_string
            elif kind == "new_session":
                self.session_id = fm.new_session.initialize.session_id
                if not fm.metadata.run.fragment_ids:  # a whole-app run: as the browser does,
                    self.auto_reruns.clear()  # forget the fragments' timers
            elif kind == "navigation":  # the page that ran: what the browser asks for next
                self.page_script_hash = fm.navigation.page_script_hash
            elif kind == "auto_rerun":
                self.auto_reruns[fm.auto_rerun.fragment_id] = fm.auto_rerun.interval
            elif kind == "stop_auto_rerun":
                for fragment in fm.stop_auto_rerun.fragment_ids:
                    self.auto_reruns.pop(fragment, None)
            elif kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
                self._saw(fm.delta.new_element, fm.delta.fragment_id)
                if fm.delta.new_element.WhichOneof("type") == "exception":
                    e = fm.delta.new_element.exception
                    exceptions.append(f"{e.type}: {e.message}")
            elif kind == "script_finished":
                status = FINISHED.Name(fm.script_finished)
                if fm.script_finished == FINISHED.FINISHED_EARLY_FOR_RERUN:
                    continue  # our own newer request interrupted it: keep reading
                seconds = time.perf_counter() - start
                return RunResult(seconds, received, count, status, exceptions, query)

    def _saw(self, element, fragment_id: str = "") -> None:
        kind = element.WhichOneof("type")
        if kind == "button":
            button = ButtonInfo(element.button.id, element.button.label, fragment_id)
            button.disabled = element.button.disabled
            self.buttons[button.key] = button
            return
        if kind == "alert":
            alert = element.alert
            self.alerts.append((alert.Format.Name(alert.format), alert.body))
            return
        if kind == "progress":
            self.progress.append((element.progress.value, element.progress.text))
            return
        if kind == "download_button":
            d = element.download_button
            info = DownloadInfo(d.id, d.label, d.deferred_file_id, d.url)
            self.downloads[info.key] = info
            return
        if element.WhichOneof("type") != "slider":
            return
        s = element.slider
        if s.options:  # a select slider: walked by index, sent as the option's text
            index = s.value[0] if s.value else s.default[0]
            top = len(s.options) - 1
            info = SliderInfo(s.id, s.label, index, 0, top, 1, fragment_id, tuple(s.options))
        elif s.data_type in (s.INT, s.FLOAT):
            value = s.value[0] if s.value else s.default[0]
            info = SliderInfo(s.id, s.label, value, s.min, s.max, s.step, fragment_id)
        else:
            return
        self.sliders[info.key] = info  # a widget's id can change between runs; its key cannot

    def pick_slider(self, prefer=("w_gamma", "w_p", "w_beta")) -> SliderInfo | None:
        for key in prefer:
            for info in self.sliders.values():
                if info.key == key:
                    return info
        return next(iter(self.sliders.values()), None)

    async def file_url(self, download: DownloadInfo, *, timeout: float = 60.0) -> str:
        """The URL of a download button's file, made on request as a click makes it."""
        if not download.deferred_file_id:
            return download.url
        msg = BackMsg()
        request = msg.backend_operation_request
        request.request_id = str(uuid.uuid4())
        request.session_id = self.session_id
        request.deferred_file.file_id = download.deferred_file_id
        await self.ws.send(msg.SerializeToString())
        deadline = time.perf_counter() + timeout
        while (left := deadline - time.perf_counter()) > 0:
            fm = ForwardMsg()
            fm.ParseFromString(await asyncio.wait_for(self.ws.recv(), timeout=left))
            if fm.WhichOneof("type") != "backend_operation_response":
                continue
            response = fm.backend_operation_response
            if response.request_id != request.request_id:
                continue
            if response.error_msg:
                raise RuntimeError(f"the server could not make the file: {response.error_msg}")
            return response.deferred_file.url
        raise TimeoutError(f"no file URL within {timeout:.0f} s")

    async def move(self, slider: SliderInfo, value: float, *, timeout: float = 60.0) -> RunResult:
        """Set a slider to `value` as the browser does, and wait for the run to finish."""
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        latest = self.sliders.get(slider.key, slider)  # its id as the last run drew it
        widget = WidgetState(id=latest.id)
        if latest.options:  # a select slider sends the text of the option it moved to
            widget.string_array_value.data.append(latest.options[int(value)])
        else:
            widget.double_array_value.data.append(value)
        result = await self.run([widget], timeout=timeout, fragment_id=latest.fragment_id)
        slider.value = value
        return result

    async def click(self, button: ButtonInfo, *, timeout: float = 60.0) -> RunResult:
        """Press a button as the browser does: a trigger value, in the button's fragment."""
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        latest = self.buttons.get(button.key, button)  # its id as the last run drew it
        widget = WidgetState(id=latest.id, trigger_value=True)
        return await self.run([widget], timeout=timeout, fragment_id=latest.fragment_id)


def walk(slider: SliderInfo, start_index: int = 0):
    """Slider values one step apart, bouncing between the ends, from a starting offset."""
    steps = max(round((slider.high - slider.low) / slider.step), 1)
    i = start_index % (2 * steps)
    while True:
        position = i if i <= steps else 2 * steps - i
        yield round(slider.low + position * slider.step, 10)
        i = (i + 1) % (2 * steps)
