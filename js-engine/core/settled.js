// What a step answered synchronously returns instead of a Promise (journal/do.js runDoNow, step-context.js).
export class Settled {
  constructor(value) { this.value = value; }
}
