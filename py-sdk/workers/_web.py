"""The Fetch API names Cloudflare's ``workers`` module exports (Response, Request, fetch, Blob, File, FormData),
as thin Python wrappers over the JS classes Pyodide's host has (Node >= 18 and browsers have them all).

Files written for Cloudflare keep a fetch handler beside their workflow and import these at the top: they must
import everywhere (also under plain CPython, for the SDK's pure tests) and work where the JS classes exist.
The API follows Cloudflare's SDK: ``Response(body, status=, status_text=, headers=)``, ``Response.json(data)``
(static) or ``await response.json()``, ``response.headers`` as an ``http.client.HTTPMessage``.
"""

import json as _json
from enum import StrEnum
from http import HTTPStatus
from typing import Any, Protocol, TypedDict

from ._ffi import JsException, JsProxy, js, jsnull, require_pyodide, to_js

try:
    from pyodide.http import FetchResponse as _PyodideFetchResponse
    from pyodide.http import pyfetch as _pyfetch
except ImportError:  # plain CPython: importable, refused at use (require_pyodide)
    _PyodideFetchResponse = object
    _pyfetch = None

__all__ = [
    "Blob",
    "BlobEnding",
    "BlobValue",
    "Body",
    "Context",
    "FetchKwargs",
    "FetchResponse",
    "File",
    "FormData",
    "FormDataValue",
    "Headers",
    "JSBody",
    "Request",
    "RequestInitCfProperties",
    "Response",
    "fetch",
]

# Type aliases, as Cloudflare spells them (strings there too: they name JS types).
JSBody = "js.Blob | JsBuffer | js.FormData | js.ReadableStream | js.URLSearchParams"
Body = "str | FormData | JSBody"
Headers = "dict[str, str] | list[tuple[str, str]] | js.Headers"
BlobValue = "str | bytes | js.ArrayBuffer | js.Blob | Blob"
FormDataValue = "str | js.Blob | Blob"


class Context(Protocol):
    def waitUntil(self, other) -> None: ...


class RequestInitCfProperties(TypedDict, total=False):
    cacheEverything: bool
    cacheKey: str
    cacheTtl: int
    cacheTtlByStatus: dict
    resolveOverride: str


class FetchKwargs(TypedDict, total=False):
    headers: Any
    body: Any
    method: str
    redirect: str
    cf: RequestInitCfProperties


class BlobEnding(StrEnum):
    TRANSPARENT = "transparent"
    NATIVE = "native"


def _js_name(value):
    return value.constructor.name if isinstance(value, JsProxy) and hasattr(value, "constructor") else None


def _js_error(exc):
    # As Cloudflare's SDK: a JS TypeError/RangeError from these classes is a Python TypeError/ValueError.
    name = getattr(exc, "name", "")
    if name == "TypeError":
        return TypeError(exc.message)
    if name == "RangeError":
        return ValueError(exc.message)
    return exc


def _js_headers(headers):
    if headers is None:
        return None
    if _js_name(headers) == "Headers":
        return headers
    if isinstance(headers, dict):
        headers = list(headers.items())
    if isinstance(headers, list):
        return js.Headers.new(to_js([list(pair) for pair in headers]))
    raise TypeError(f"headers must be a dict, a list of (name, value) pairs or a js.Headers, not {type(headers).__name__}")


def _http_message(js_headers):
    import http.client  # costly import: only when headers are read

    message = http.client.HTTPMessage()
    for key, value in js_headers.entries():
        message.add_header(key, value.strip())
    return message


def _js_body(body):
    """A JS body for str, bytes, FormData/Blob wrappers or JS values (which pass through)."""
    if body is None or isinstance(body, str):
        return body
    if isinstance(body, (bytes, bytearray, memoryview)):
        return to_js(bytes(body))  # a Uint8Array copy: the JS side keeps it after this call returns
    if isinstance(body, (Blob, FormData)):
        return body.js_object
    if isinstance(body, JsProxy):
        return body
    raise TypeError(f"Unsupported type in body: {type(body).__name__}")


def _init(method=None, headers=None, body=None, status=None, status_text=None, redirect=None):
    init = {}
    if method is not None:
        init["method"] = str(getattr(method, "value", method))  # an http.HTTPMethod or a str
    if headers is not None:
        init["headers"] = _js_headers(headers)
    if body is not None:
        init["body"] = _js_body(body)
    if status is not None:
        init["status"] = int(status)
    if status_text:
        init["statusText"] = status_text
    if redirect is not None:
        init["redirect"] = redirect
    return to_js(init, dict_converter=js.Object.fromEntries, create_pyproxies=False)


class FetchResponse(_PyodideFetchResponse):
    """A response from ``fetch`` (and the base of Response): Pyodide's FetchResponse plus Cloudflare's extras."""

    @property
    def js_object(self):
        return self.js_response

    @property
    def body(self):
        body = self.js_response.body
        return None if body is None or body is jsnull else body

    @property
    def headers(self):
        return _http_message(self.js_response.headers)

    async def form_data(self):
        return FormData(await self.js_response.formData())

    formData = form_data

    async def blob(self):
        return Blob(await self.js_response.blob())

    def replace_body(self, body):
        return Response(js.Response.new(_js_body(body), self.js_response))

    @staticmethod
    def redirect(url, status=HTTPStatus.FOUND):
        require_pyodide("Response.redirect")
        try:
            return Response(js.Response.redirect(url, int(status)))
        except JsException as exc:
            raise _js_error(exc) from None

    @staticmethod
    def from_json(data, status=HTTPStatus.OK, status_text="", headers=None):
        require_pyodide("Response.from_json")
        js_headers = _js_headers(headers) or js.Headers.new()
        if not js_headers.has("content-type"):
            js_headers.set("content-type", "application/json")
        text = data if isinstance(data, str) else _json.dumps(data)
        return Response(text, status=status, status_text=status_text, headers=js_headers)

    def json(self, *args, **kwargs):
        # Cloudflare allows both: `await response.json()` reads the body, `Response.json(data)` (called on the
        # class, so `self` is the data) builds a JSON response.
        if isinstance(self, FetchResponse):
            return super().json(*args, **kwargs)
        return Response.from_json(self, *args, **kwargs)


class Response(FetchResponse):
    """The response of a fetch handler: ``Response("text")``, ``Response.json({...})``, ``Response(b"...", status=201)``."""

    def __init__(self, body=None, status=None, status_text="", headers=None, web_socket=None):
        require_pyodide("Response")
        if _js_name(body) == "Response":
            if status is not None or status_text or headers is not None:
                raise ValueError("Expected no options when constructing Response from a js.Response")
            js_response = body
        else:
            init = _init(headers=headers, status=status, status_text=status_text)
            if web_socket is not None:
                init.webSocket = web_socket
            try:
                js_response = js.Response.new(_js_body(body), init)
            except JsException as exc:
                raise _js_error(exc) from None
        super().__init__(js_response.url, js_response)

    def __repr__(self):
        return f"Response(status={self.status})"


class Request:
    """An HTTP request: ``Request(url, method=, headers=, body=)`` or a wrapper of a JS Request."""

    def __init__(self, input, method=None, headers=None, body=None, redirect=None, **_init_options):
        require_pyodide("Request")
        if _js_name(input) == "Request" and method is None and headers is None and body is None:
            self._js = input
            return
        if isinstance(input, Request):
            input = input.js_object
        try:
            self._js = js.Request.new(input, _init(method=method, headers=headers, body=body, redirect=redirect))
        except JsException as exc:
            raise _js_error(exc) from None

    @property
    def js_object(self):
        return self._js

    @property
    def url(self):
        return self._js.url

    @property
    def method(self):
        return self._js.method

    @property
    def headers(self):
        return _http_message(self._js.headers)

    @property
    def body(self):
        body = self._js.body
        return None if body is None or body is jsnull else body

    @property
    def body_used(self):
        return self._js.bodyUsed

    @property
    def cf(self):
        cf = getattr(self._js, "cf", None)
        return None if cf is jsnull else cf

    @property
    def redirect(self):
        return self._js.redirect

    async def text(self):
        return await self._js.text()

    async def json(self, **kwargs):
        return _json.loads(await self.text(), **kwargs)

    async def bytes(self):
        return (await self._js.arrayBuffer()).to_bytes()

    async def buffer(self):
        return await self._js.arrayBuffer()

    async def form_data(self):
        return FormData(await self._js.formData())

    async def blob(self):
        return Blob(await self._js.blob())

    def clone(self):
        return Request(self._js.clone())

    def __repr__(self):
        return f"Request(method={self.method!r}, url={self.url!r})"


async def fetch(resource, **kwargs):
    """``await fetch(url, method=..., headers=..., body=...)``: a Response (Pyodide's pyfetch underneath)."""
    require_pyodide("fetch")
    if isinstance(resource, Request):
        resource = resource.js_object
    fetcher = kwargs.pop("fetcher", None)
    if "method" in kwargs:
        kwargs["method"] = str(getattr(kwargs["method"], "value", kwargs["method"]))
    if "headers" in kwargs:
        kwargs["headers"] = _js_headers(kwargs["headers"])
    if "body" in kwargs:
        kwargs["body"] = _js_body(kwargs["body"])
    if fetcher is not None:
        js_response = await fetcher(resource, _init(**{k: kwargs.get(k) for k in ("method", "headers", "body")}))
        return Response(js_response)
    response = await _pyfetch(resource, **kwargs)
    return Response(response.js_response)


class Blob:
    """A JS Blob: ``Blob(["text", b"bytes"], content_type="text/plain")`` or a wrapper of a JS Blob."""

    def __init__(self, blob_parts=None, content_type=None, endings=None):
        require_pyodide("Blob")
        if _js_name(blob_parts) in ("Blob", "File"):
            self._js = blob_parts
            return
        self._js = js.Blob.new(_blob_parts(blob_parts), _blob_options(content_type, endings))

    @property
    def js_object(self):
        return self._js

    @property
    def size(self):
        return self._js.size

    @property
    def content_type(self):
        return self._js.type

    async def text(self):
        return await self._js.text()

    async def bytes(self):
        return (await self._js.arrayBuffer()).to_bytes()

    def slice(self, start=None, end=None, content_type=None):
        return Blob(self._js.slice(start, end, content_type))


class File(Blob):
    """A JS File: ``File(parts, "name.txt", content_type=..., last_modified=...)``."""

    def __init__(self, blob_parts=None, filename=None, content_type=None, endings=None, last_modified=None):
        require_pyodide("File")
        if _js_name(blob_parts) == "File":
            self._js = blob_parts
            return
        options = _blob_options(content_type, endings)
        if last_modified is not None:
            options.lastModified = last_modified
        self._js = js.File.new(_blob_parts(blob_parts), filename, options)

    @property
    def name(self):
        return self._js.name

    @property
    def last_modified(self):
        return self._js.lastModified


def _blob_parts(parts):
    out = []
    for part in parts or []:
        if isinstance(part, Blob):
            out.append(part.js_object)
        elif isinstance(part, (bytes, bytearray, memoryview)):
            out.append(to_js(bytes(part)))
        else:
            out.append(part)
    return to_js(out, create_pyproxies=False)


def _blob_options(content_type, endings):
    options = {}
    if content_type is not None:
        options["type"] = content_type
    if endings is not None:
        options["endings"] = str(endings)
    return to_js(options, dict_converter=js.Object.fromEntries)


def _form_value(value):
    if _js_name(value) in ("Blob", "File"):
        return File(value) if _js_name(value) == "File" else Blob(value)
    return value


class FormData:
    """A JS FormData as a mapping: ``form["key"]`` is the first value, ``get_all(key)`` all of them."""

    def __init__(self, form_data=None):
        require_pyodide("FormData")
        if _js_name(form_data) == "FormData":
            self._js = form_data
            return
        self._js = js.FormData.new()
        for key, value in (form_data or {}).items():
            self[key] = value

    @property
    def js_object(self):
        return self._js

    def __getitem__(self, key):
        if not self._js.has(key):
            raise KeyError(key)
        return _form_value(self._js.get(key))

    def __setitem__(self, key, value):
        self._js.set(key, value.js_object if isinstance(value, Blob) else value)

    def __delitem__(self, key):
        self._js.delete(key)

    def __contains__(self, key):
        return bool(self._js.has(key))

    def append(self, key, value, filename=None):
        value = value.js_object if isinstance(value, Blob) else value
        if filename is None:
            self._js.append(key, value)
        else:
            self._js.append(key, value, filename)

    def delete(self, key):
        self._js.delete(key)

    def get_all(self, key):
        return [_form_value(v) for v in self._js.getAll(key)]

    def keys(self):
        return iter(list(self._js.keys()))

    def values(self):
        return iter([_form_value(v) for v in self._js.values()])

    def items(self):
        return iter([(k, _form_value(v)) for k, v in self._js.entries()])

    def __iter__(self):
        return self.keys()

    def __len__(self):
        return len(list(self._js.keys()))
