# /// script
# dependencies = ["pydantic==2.14.4"]
# ///
"""pydantic (pure Python + its PEP 783 wasm core, pydantic-core) validating inside a step; scripts/setup installs it."""
from pydantic import BaseModel, ValidationError
from workers import NonRetryableError, WorkflowEntrypoint


class Order(BaseModel):
    item: str
    qty: int


class CheckOrder(WorkflowEntrypoint):
    async def run(self, event, step):
        @step.do("validate")
        async def validate():
            try:
                return Order.model_validate(event["payload"]).model_dump()
            except ValidationError as err:
                raise NonRetryableError(f"{err.error_count()} invalid field(s): {err.errors()[0]['loc'][0]}") from None

        return await validate()
