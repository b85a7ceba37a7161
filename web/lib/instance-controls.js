// The instance panel's controls, the same on the demo page and the dev dashboard: the four buttons call
// control(action); the event form parses its JSON payload (marking the field when it is not JSON) and sends it.
import { toast } from './toast.js';

const $ = (id) => document.getElementById(id);

export function wireInstanceControls({ control, sendEvent, onTypeEdited }) {
  for (const action of ['pause', 'resume', 'terminate', 'restart']) $(`btn-${action}`).addEventListener('click', () => control(action));
  $('event-type').addEventListener('input', onTypeEdited);
  $('event-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const type = $('event-type').value.trim();
    const text = $('event-payload').value.trim();
    let payload;
    try {
      payload = text ? JSON.parse(text) : undefined;
      $('event-payload').classList.remove('invalid');
    } catch (err) {
      $('event-payload').classList.add('invalid');
      toast(`The payload is not valid JSON: ${err.message}`, 'error');
      return;
    }
    sendEvent({ type, payload });
  });
}
