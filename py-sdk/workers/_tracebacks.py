"""Tracebacks as a workflow's author reads them.

The SDK's own frames are collapsed, each run of them to one ``... N pyworkflows frames`` line (the innermost frame
stays when the error was raised there), and a failed step's traceback, which comes back from the step as a note on
the exception run() awaited, is spliced in where run() awaited the step: one traceback, the user's frames in order,
not run's traceback followed by the step's. Pure Python: imported and tested under CPython too.
"""

import os
import re
import traceback

__all__ = ["STEP_NOTE", "format_traceback"]

STEP_NOTE = "The step failed with this Python traceback:\n"
_HEADER = "Traceback (most recent call last):\n"
_SDK_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
_COLLAPSED = re.compile(r"  \.\.\. (\d+) pyworkflows frames?\n")


def format_traceback(exc):
    """``traceback.format_exception(exc)`` joined, with the SDK's frames collapsed and a step's traceback spliced."""
    te = traceback.TracebackException.from_exception(exc)
    remotes = _mark_step_notes(te)
    chunks = list(te.format())
    if any(c.startswith("  |") or "+-+-+" in c for c in chunks):
        return "".join(traceback.format_exception(exc))  # exception groups draw nested boxes: left as Python draws them
    out = []
    for frames, tail in _sections(chunks):
        remote = next((remotes[c] for c in tail if c in remotes), None)
        if remote is not None:
            tail = [c for c in tail if c not in remotes]
            earlier, remote_frames = _split_remote(remote)
            out.extend(earlier)
            frames = frames + remote_frames
            out.append(_HEADER)
        elif frames:
            out.append(_HEADER)
        out.extend(_collapse(frames))
        out.extend(tail)
    return "".join(out)


def _mark_step_notes(te):
    """Replaces each step-traceback note in the chain's formatting (not on the exceptions) with a one-line marker;
    returns {marker line: the step's traceback}."""
    remotes, todo, seen = {}, [te], set()
    while todo:
        t = todo.pop()
        if t is None or id(t) in seen:
            continue
        seen.add(id(t))
        todo += [t.__cause__, t.__context__]
        notes = getattr(t, "__notes__", None)
        if not isinstance(notes, list):
            continue
        marked = []
        for note in notes:
            if isinstance(note, str) and note.startswith(STEP_NOTE):
                marker = f"<pyworkflows: step traceback {len(remotes)}>"
                remotes[marker + "\n"] = note[len(STEP_NOTE):]
                note = marker
            marked.append(note)
        t.__notes__ = marked  # a new list: the exception's own notes stay as they are
    return remotes


def _sections(chunks):
    """(frame chunks, exception and note chunks) per exception of the chain, oldest first; the separator between
    two ("The above exception was the direct cause...") ends the earlier one."""
    sections, frames, tail, in_frames = [], [], [], False
    for c in chunks:
        if c == _HEADER:
            if frames or tail:
                sections.append((frames, tail))
                frames, tail = [], []
            in_frames = True
        elif in_frames and (c.startswith("  File ") or c.startswith("  [Previous")):
            frames.append(c)
        else:
            in_frames = False
            tail.append(c)
            if c.startswith("\n") and c.rstrip().endswith(":"):
                sections.append((frames, tail))
                frames, tail = [], []
    if frames or tail:
        sections.append((frames, tail))
    return sections


def _split_remote(text):
    """The step's traceback text as (what precedes its last traceback, that traceback's frame chunks); its final
    exception line is the one run() saw, already in the tail."""
    at = text.rfind(_HEADER)
    if at < 0:
        return [], []
    frames = []
    for line in text[at + len(_HEADER):].splitlines(keepends=True):
        if not line.startswith("  "):
            break
        if line.startswith("    ") and frames:
            frames[-1] += line
        else:
            frames.append(line)
    return ([text[:at]] if text[:at] else []), frames


def _sdk_frames(chunk):
    """How many SDK frames a chunk stands for: 1 for one of its frames, N for a collapsed line, else 0."""
    m = _COLLAPSED.fullmatch(chunk)
    if m:
        return int(m.group(1))
    if chunk.startswith('  File "'):
        path = chunk[len('  File "'):chunk.find('"', len('  File "'))]
        return 1 if path.startswith(_SDK_DIR) else 0
    return 0


def _collapse(frames):
    out, hidden = [], 0
    for i, chunk in enumerate(frames):
        n = _sdk_frames(chunk)
        innermost = i == len(frames) - 1 and not _COLLAPSED.fullmatch(chunk)
        if n and not innermost:
            hidden += n
            continue
        if hidden:
            out.append(f"  ... {hidden} pyworkflows frame{'' if hidden == 1 else 's'}\n")
            hidden = 0
        out.append(chunk)
    return out
