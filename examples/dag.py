"""A DAG of steps: three lookups run side by side, two steps each combine some of them, one books the trip.

`depends=` names the steps whose results a step's parameters receive; `concurrent=True` runs those
dependencies at the same time. Each step still runs once and is journaled once, whoever depends on it.

Run it:   npx pyworkflows run examples/dag.py --clock virtual --params '{"city": "Lisbon", "nights": 3}'
"""

import asyncio

from workers import WorkflowEntrypoint

FLIGHTS = {"Lisbon": [("TP 1351", 142.0), ("FR 8354", 89.0)], "Kyoto": [("JL 405", 710.0), ("AF 292", 655.0)]}
HOTELS = {"Lisbon": [("Casa do Rio", 95.0, 4.6), ("Pensão Azul", 61.0, 4.1)],
          "Kyoto": [("Ryokan Hana", 180.0, 4.8), ("Gion Inn", 120.0, 4.3)]}


class TripPlanner(WorkflowEntrypoint):
    async def run(self, event, step):
        city = event["payload"].get("city", "Lisbon")
        nights = event["payload"].get("nights", 3)

        # The lookups stand for network calls: each takes a moment, and they overlap.
        @step.do("fetch weather")
        async def weather():
            await asyncio.sleep(0.4)
            return ["sun", "sun", "clouds", "rain", "sun"][:nights]

        @step.do("find flights")
        async def flights():
            await asyncio.sleep(0.8)
            return [{"flight": code, "price": price} for code, price in FLIGHTS.get(city, FLIGHTS["Lisbon"])]

        @step.do("find hotels")
        async def hotels():
            await asyncio.sleep(0.6)
            return [{"name": n, "price": p, "rating": r} for n, p, r in HOTELS.get(city, HOTELS["Lisbon"])]

        @step.do("pick flight", depends=[flights])
        async def pick_flight(options):
            return min(options, key=lambda f: f["price"])

        @step.do("pick hotel", depends=[hotels, weather], concurrent=True)
        async def pick_hotel(options, forecast):
            # Rain in the forecast: pay for the better-rated hotel.
            key = (lambda h: -h["rating"]) if "rain" in forecast else (lambda h: h["price"])
            return min(options, key=key)

        @step.do("book trip", depends=[pick_flight, pick_hotel], concurrent=True)
        async def book(flight, hotel):
            total = round(flight["price"] + hotel["price"] * nights, 2)
            return {"city": city, "flight": flight["flight"], "hotel": hotel["name"], "nights": nights, "total": total}

        return await book()
