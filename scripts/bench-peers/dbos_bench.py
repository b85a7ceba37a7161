"""DBOS peer for scripts/bench: the same workflow shapes on DBOS with its SQLite system database.

Usage: python dbos_bench.py DB_PATH '{"seq": 2000, "instances": 200, "fanWidth": 100, "fanRounds": 5}'
Prints one JSON line: {"seq": {"steps", "seconds"}, "fanout": {...}, "instances": {"workflows", "seconds"}}.
"""
import asyncio
import json
import os
import sys
import time
import logging

from dbos import DBOS

db_path, opts = sys.argv[1], json.loads(sys.argv[2])
for suffix in ("", "-wal", "-shm"):
    if os.path.exists(db_path + suffix):
        os.remove(db_path + suffix)
DBOS(config={"name": "bench", "system_database_url": f"sqlite:///{db_path}", "log_level": "ERROR",
             "console_log_level": "ERROR"})
logging.getLogger("dbos").setLevel(logging.ERROR)


@DBOS.step()
def one(i):
    return i


@DBOS.workflow()
def sequential(n):
    total = 0
    for i in range(n):
        total += one(i)
    return total


@DBOS.workflow()
def five():
    return sum(one(i) for i in range(5))


@DBOS.step()
async def one_async(i):
    return i


@DBOS.workflow()
async def fanout(width, rounds):
    total = 0
    for _ in range(rounds):
        total += sum(await asyncio.gather(*(one_async(j) for j in range(width))))
    return total


DBOS.launch()
out = {}
n = opts.get("seq", 0)
if n:
    sequential(10)  # warm-up
    t = time.perf_counter()
    assert sequential(n) == n * (n - 1) // 2
    out["seq"] = {"steps": n, "seconds": time.perf_counter() - t}
w, r = opts.get("fanWidth", 0), opts.get("fanRounds", 0)
if w and r:
    async def go():
        h = await DBOS.start_workflow_async(fanout, w, r)
        return await h.get_result()
    try:
        t = time.perf_counter()
        asyncio.run(go())
        out["fanout"] = {"steps": w * r, "seconds": time.perf_counter() - t}
    except Exception as err:  # noqa: BLE001 - reported, not fatal
        out["fanout"] = {"error": f"{type(err).__name__}: {err}"[:200]}
k = opts.get("instances", 0)
if k:
    t = time.perf_counter()
    handles = [DBOS.start_workflow(five) for _ in range(k)]
    for h in handles:
        h.get_result()
    out["instances"] = {"workflows": k, "seconds": time.perf_counter() - t}
print(json.dumps(out), flush=True)
DBOS.destroy()
os._exit(0)
