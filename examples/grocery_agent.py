"""A grocery agent: waits for the user's list, compiles it, checks leftovers, places the order and pays.

Run it:   npx pyworkflows run examples/grocery_agent.py --clock virtual --params '{"budget": 60}'
then:     npx pyworkflows event <id> grocery-list '{"recipes": ["soup", "salad"]}'
"""

from workers import WorkflowEntrypoint
from workers.workflows import NonRetryableError

RECIPES = {
    "soup": ["leek", "potato", "stock"],
    "salad": ["lettuce", "tomato", "olive oil"],
    "pasta": ["spaghetti", "tomato", "basil"],
}
PRICES = {"leek": 2.5, "potato": 1.2, "stock": 3.0, "lettuce": 1.8, "tomato": 0.9, "olive oil": 7.5,
          "spaghetti": 1.6, "basil": 2.2}
PANTRY = {"olive oil", "stock"}


class GroceryAgent(WorkflowEntrypoint):
    async def run(self, event, step):
        budget = event["payload"].get("budget", 50)

        request = await step.wait_for_event("receive grocery list", "grocery-list", timeout="1 hour")
        recipes = request["payload"]["recipes"]

        @step.do("compile list", config={"retries": {"limit": 3, "delay": "1 second", "backoff": "exponential"}})
        async def compile_list():
            unknown = [r for r in recipes if r not in RECIPES]
            if unknown:
                raise NonRetryableError(f"unknown recipes: {', '.join(unknown)}")
            return sorted({item for r in recipes for item in RECIPES[r]})

        items = await compile_list()

        @step.do("check leftovers")
        async def check_leftovers():
            return [i for i in items if i not in PANTRY]

        to_buy = await check_leftovers()

        @step.do("place order", config={"retries": {"limit": 5, "delay": "10 seconds", "backoff": "linear"}, "timeout": "2 minutes"})
        async def place_order(ctx):
            total = round(sum(PRICES[i] for i in to_buy), 2)
            print(f"ordering {len(to_buy)} items for {total} (attempt {ctx['attempt']})")
            return {"order_id": f"order-{event['instanceId']}", "items": to_buy, "total": total}

        order = await place_order()
        if order["total"] > budget:
            raise NonRetryableError(f"order total {order['total']} is over the budget of {budget}")

        await step.sleep("wait for delivery slot", "30 minutes")

        @step.do("pay")
        async def pay():
            return {"paid": order["total"], "order_id": order["order_id"]}

        receipt = await pay()
        return {"bought": to_buy, "receipt": receipt}
