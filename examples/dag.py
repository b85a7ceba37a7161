"""A DAG of steps: three lookups run side by side, two steps each combine some of them, one books the trip.

A parameter named after a step receives that step's result; `concurrent=True` runs those dependencies at the
same time. Each step still runs once and is journaled once, whoever depends on it.

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
        @step.do()
        async def fetch_weather():
            await asyncio.sleep(0.4)
            return ["sun", "sun", "clouds", "rain", "sun"][:nights]

        @step.do()
        async def find_flights():
            await asyncio.sleep(0.8)
            return [{"flight": code, "price": price} for code, price in FLIGHTS.get(city, FLIGHTS["Lisbon"])]

        @step.do()
        async def find_hotels():
            await asyncio.sleep(0.6)
            return [{"name": n, "price": p, "rating": r} for n, p, r in HOTELS.get(city, HOTELS["Lisbon"])]

        @step.do()
        async def pick_flight(find_flights):
            return min(find_flights, key=lambda f: f["price"])

        @step.do(concurrent=True)
        async def pick_hotel(find_hotels, fetch_weather):
            # Rain in the forecast: pay for the better-rated hotel.
            key = (lambda h: -h["rating"]) if "rain" in fetch_weather else (lambda h: h["price"])
            return min(find_hotels, key=key)

        @step.do(concurrent=True)
        async def book_trip(pick_flight, pick_hotel):
            total = round(pick_flight["price"] + pick_hotel["price"] * nights, 2)
            return {"city": city, "flight": pick_flight["flight"], "hotel": pick_hotel["name"], "nights": nights,
                    "total": total}

        return await book_trip()
