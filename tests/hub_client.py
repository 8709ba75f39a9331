"""A course hub seen from outside, over HTTP only: the hub's REST API, the users' Jupyter servers
(contents, sessions, nbgrader's handlers) and a kernel's websocket, each request with a token.

Used by tests/test_hub.py; only ``requests``, ``websocket-client`` (both come with the Jupyter
stack) and nbformat.
"""
from __future__ import annotations

import json
import time
import uuid
from datetime import datetime, timezone

import nbformat
import requests
import websocket


class HubClient:
    """Requests to the hub at ``url`` (the proxy's public address) with one token."""

    def __init__(self, url: str, token: str, user: str | None = None):
        self.url, self.token, self.user = url.rstrip("/"), token, user
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"token {token}"

    def request(self, method: str, path: str, expect: int | tuple = (200, 201, 202, 204), **kwargs):
        response = self.session.request(method, f"{self.url}{path}", timeout=kwargs.pop("timeout", 180), **kwargs)
        expected = (expect,) if isinstance(expect, int) else expect
        if response.status_code not in expected:
            raise AssertionError(f"{method} {path}: {response.status_code} (expected {expected}): "
                                 f"{response.text[:2000]}")
        return response

    # -- the hub's API ---------------------------------------------------------------------------

    def hub(self, method: str, path: str, **kwargs):
        return self.request(method, f"/hub/api{path}", **kwargs)

    def start_server(self, name: str) -> None:
        self.hub("POST", f"/users/{name}/server", expect=(201, 202, 400))  # 400: it runs already

    def wait_ready(self, name: str, timeout: float = 150) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            server = self.hub("GET", f"/users/{name}").json().get("servers", {}).get("")
            if server and server.get("ready"):
                return server
            time.sleep(0.5)
        raise AssertionError(f"the server of {name} was not ready after {timeout} s")

    def stop_server(self, name: str) -> None:
        self.hub("DELETE", f"/users/{name}/server", expect=(202, 204, 400, 404))

    def new_token(self, name: str) -> str:
        return self.hub("POST", f"/users/{name}/tokens", json={"note": "course hub test"}).json()["token"]

    # -- the user's own server ---------------------------------------------------------------------

    def server(self, method: str, path: str, user: str | None = None, **kwargs):
        return self.request(method, f"/user/{user or self.user}{path}", **kwargs)

    def read_notebook(self, path: str) -> nbformat.NotebookNode:
        model = self.server("GET", f"/api/contents/{path}", params={"content": 1}).json()
        return nbformat.from_dict(model["content"])

    def save_notebook(self, path: str, notebook) -> None:
        self.server("PUT", f"/api/contents/{path}", json={"type": "notebook", "format": "json", "content": notebook})

    def nbgrader(self, action: str, course_id: str, assignment_id: str) -> list[dict]:
        """One of nbgrader's student actions (fetch, submit, fetch_feedback) through its server extension;
        returns the student's assignment list after it."""
        params = {"course_id": course_id, "assignment_id": assignment_id}
        result = self.server("POST", f"/assignments/{action}", params=params).json()
        assert result.get("success"), f"nbgrader {action} as {self.user}: {result.get('value')}"
        return result["value"]

    def formgrader(self, path: str) -> dict:
        """A formgrader action (POST /formgrader/api/assignment/...): nbgrader's {"success", "log", "error"}."""
        result = self.server("POST", f"/formgrader/api/assignment/{path}").json()
        assert result.get("success"), f"formgrader {path}: {result.get('error') or result}"
        return result

    def kernel(self, notebook_path: str) -> "Kernel":
        """A new kernel of the user's server, in the notebook's folder (a session, as JupyterLab opens one)."""
        model = self.server("POST", "/api/sessions", json={"path": notebook_path, "type": "notebook",
                                                            "name": notebook_path, "kernel": {"name": "python3"}})
        kernel_id = model.json()["kernel"]["id"]
        url = f"{self.url.replace('http', 'ws', 1)}/user/{self.user}/api/kernels/{kernel_id}/channels"
        return Kernel(url, self.token, self.user, kernel_id)


class Kernel:
    """Run code in a kernel over its websocket (Jupyter's messaging protocol, JSON frames)."""

    def __init__(self, url: str, token: str, user: str, kernel_id: str):
        self.id, self.user, self.session = kernel_id, user, uuid.uuid4().hex
        self.socket = websocket.create_connection(url, header=[f"Authorization: token {token}"], timeout=120)

    def execute(self, code: str, timeout: float = 120) -> list:
        """Run ``code``; return its outputs as nbformat output nodes (streams, results, errors)."""
        msg_id = uuid.uuid4().hex
        header = {"msg_id": msg_id, "username": self.user, "session": self.session, "msg_type": "execute_request",
                  "version": "5.3", "date": datetime.now(timezone.utc).isoformat()}
        content = {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                   "allow_stdin": False, "stop_on_error": False}
        self.socket.send(json.dumps({"header": header, "parent_header": {}, "metadata": {}, "content": content,
                                     "channel": "shell", "buffers": []}))
        outputs, deadline = [], time.monotonic() + timeout
        while True:
            if time.monotonic() > deadline:
                raise AssertionError(f"the kernel did not finish within {timeout} s:\n{code[:500]}")
            opcode, frame = self.socket.recv_data()
            if opcode != websocket.ABNF.OPCODE_TEXT:
                continue  # a message with binary buffers (a widget's comm message): never an output
            message = json.loads(frame)
            if message.get("parent_header", {}).get("msg_id") != msg_id or message.get("channel") != "iopub":
                continue
            kind = message["header"]["msg_type"]
            if kind == "status" and message["content"]["execution_state"] == "idle":
                return outputs
            if kind in ("stream", "display_data", "execute_result", "error"):
                outputs.append(nbformat.v4.output_from_msg(message))

    def run_notebook(self, notebook) -> None:
        """Run every code cell in order (as Run All, without stopping at an error); keep the outputs."""
        for count, cell in enumerate((c for c in notebook.cells if c.cell_type == "code"), start=1):
            cell.outputs = self.execute(cell.source)
            cell.execution_count = count

    def close(self) -> None:
        self.socket.close()
