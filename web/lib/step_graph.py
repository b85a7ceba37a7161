"""Static step graph of a workflow source, for the demo page's DAG picture (runs in Pyodide; plain CPython too).

The engine only sees step calls as they happen; to draw the steps that have not run yet, and the edges between
them, the page reads the Python source: every ``@step.do`` declaration and ``step.do(name, fn)`` call (its name, ``depends=`` or the implicit
parameter-name dependencies, ``concurrent=``), every ``step.sleep`` / ``step.sleep_until`` /
``step.wait_for_event`` with a literal name, in the order ``run`` awaits them.

Edges: a step with dependencies hangs off them; a step without any hangs off whatever the workflow awaited
just before it (program order). ``asyncio.gather(a(), b())`` places a and b side by side. Names built at run
time are drawn as one node labelled with the f-string (``item {i}``) and a pattern; the page replaces it with the
steps the journal shows matching it. Steps awaited inside a loop are marked ``loop`` (they may repeat).
"""

import ast
import re

__all__ = ["analyse"]

SLEEPS = {"sleep": "sleep", "sleep_until": "sleep", "wait_for_event": "wait"}


def _literal_str(node):
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _step_name(node):
    """(label, pattern) of a step name: a literal gives (name, None); an f-string gives its text with the
    replacement fields kept (``item {i}``) and a regular expression matching the names it can produce."""
    name = _literal_str(node)
    if name is not None:
        return name, None
    if isinstance(node, ast.JoinedStr):
        label, pattern = [], []
        for part in node.values:
            if isinstance(part, ast.Constant):
                label.append(str(part.value))
                pattern.append(re.escape(str(part.value)))
            else:
                label.append("{" + ast.unparse(part.value) + "}")
                pattern.append(".*?")
        return "".join(label), "^" + "".join(pattern) + "$"
    return None, None


def _keyword(call, name):
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
    return None


class _Run:
    def __init__(self, step_name):
        self.step = step_name  # the name of run()'s step parameter
        self.declared = {}  # function name or step name -> decl
        self.nodes = []  # {id, label, kind, line, concurrent}
        self.edges = []  # [from, to, kind]
        self.placed = set()
        self.frontier = []
        self.loops = 0  # how many loops the walk is inside

    # ---- declarations ---------------------------------------------------------------------------------
    def declare(self, fn):
        for dec in fn.decorator_list:
            call = dec if isinstance(dec, ast.Call) else None
            target = call.func if call else dec
            if not (isinstance(target, ast.Attribute) and target.attr == "do"
                    and isinstance(target.value, ast.Name) and target.value.id == self.step):
                continue
            name, pattern = fn.name, None
            if call is not None:
                given = call.args[0] if call.args else _keyword(call, "name")
                if given is not None:
                    name, pattern = _step_name(given)
            if name is None:
                return  # a name computed some other way: only the journal can tell it
            deps = []
            depends = _keyword(call, "depends") if call is not None else None
            params = [a.arg for a in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs]
            if isinstance(depends, (ast.List, ast.Tuple)):
                deps = [d.id for d in depends.elts if isinstance(d, ast.Name)]
            else:
                deps = [p for p in params if p != "ctx" and p in self.declared]
            concurrent = _keyword(call, "concurrent") if call is not None else None
            decl = {
                "id": name,
                "fn": fn.name,
                "deps": [self.declared[d]["id"] for d in deps if d in self.declared],
                "line": fn.lineno,
                "pattern": pattern,
                "concurrent": isinstance(concurrent, ast.Constant) and bool(concurrent.value),
            }
            self.declared[fn.name] = decl
            self.declared[name] = decl
            return

    # ---- placement in await order ---------------------------------------------------------------------
    def add_node(self, node_id, label, kind, line, after, pattern=None):
        if node_id in self.placed:
            return False
        self.placed.add(node_id)
        self.nodes.append({"id": node_id, "label": label, "kind": kind, "line": line, "pattern": pattern,
                           "loop": self.loops > 0})
        for src in after:
            self.edges.append([src, node_id, "order"])
        return True

    def place_step(self, decl):
        """Places a declared step after its dependencies; returns its id."""
        if decl["id"] in self.placed:
            return decl["id"]
        dep_ids = []
        for dep in decl["deps"]:
            dep_decl = self.declared.get(dep)
            if dep_decl is not None:
                dep_ids.append(self.place_step(dep_decl))
        after = [] if dep_ids else list(self.frontier)
        self.add_node(decl["id"], decl["id"], "do", decl["line"], after, decl["pattern"])
        for d in dep_ids:
            self.edges.append([d, decl["id"], "data"])
        return decl["id"]

    def awaited_call(self, call):
        """The node ids one awaited call places (several for gather)."""
        func = call.func
        if isinstance(func, ast.Name) and func.id in self.declared:
            return [self.place_step(self.declared[func.id])]
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            is_call_form = func.attr == "do" and len(call.args) >= 2  # step.do("name", fn)
            if func.value.id == self.step and (is_call_form or func.attr in SLEEPS):
                name, pattern = _step_name(call.args[0]) if call.args else (None, None)
                if name is None:
                    return []
                kind = "do" if is_call_form else SLEEPS[func.attr]
                self.add_node(name, name, kind, call.lineno, list(self.frontier), pattern)
                return [name]
            if func.attr == "gather":
                placed = []
                before = list(self.frontier)
                for arg in call.args:
                    if isinstance(arg, ast.Call):
                        self.frontier = before
                        placed += self.awaited_call(arg)
                return placed
        return []

    def visit(self, node):
        """Walks statements and expressions in source order, placing awaited steps."""
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self.declare(node)
            return  # a nested function's body runs when it is called, not here
        if isinstance(node, ast.Await):
            # Arguments are evaluated (and awaited) before the call itself.
            for child in ast.iter_child_nodes(node.value):
                self.visit(child)
            if isinstance(node.value, ast.Call):
                ids = self.awaited_call(node.value)
                if ids:
                    self.frontier = ids
            return
        if isinstance(node, (ast.For, ast.AsyncFor, ast.While)):
            self.visit(node.iter if isinstance(node, (ast.For, ast.AsyncFor)) else node.test)
            self.loops += 1
            for stmt in node.body:
                self.visit(stmt)
            self.loops -= 1
            for stmt in node.orelse:
                self.visit(stmt)
            return
        if isinstance(node, ast.If):
            # Branches start from the same point; code after the `if` follows whichever branch ran (a branch
            # that returns or raises does not lead there).
            self.visit(node.test)
            start = list(self.frontier)
            ends = []
            for branch in (node.body, node.orelse):
                self.frontier = list(start)
                for stmt in branch:
                    self.visit(stmt)
                if not (branch and isinstance(branch[-1], (ast.Return, ast.Raise))):
                    ends += [n for n in self.frontier if n not in ends]
            self.frontier = ends or start
            return
        for child in ast.iter_child_nodes(node):
            self.visit(child)


def _run_method(cls):
    for item in cls.body:
        if isinstance(item, (ast.AsyncFunctionDef, ast.FunctionDef)) and item.name == "run":
            return item
    return None


def analyse(source):
    """{className: {"nodes": [...], "edges": [[from, to, "data"|"order"], ...]}} or {"error": "..."}."""
    try:
        tree = ast.parse(source)
    except SyntaxError as err:
        return {"error": f"line {err.lineno}: {err.msg}"}
    out = {}
    for cls in tree.body:
        if not isinstance(cls, ast.ClassDef):
            continue
        run = _run_method(cls)
        if run is None:
            continue
        args = [a.arg for a in run.args.posonlyargs + run.args.args]
        step_name = args[2] if len(args) >= 3 else "step"
        walker = _Run(step_name)
        for stmt in run.body:
            walker.visit(stmt)
        out[cls.name] = {"nodes": walker.nodes, "edges": walker.edges}
    return out
