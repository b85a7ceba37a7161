// Control requests between processes: pause/resume/terminate asked by a process that could not take the
// instance's lease, and the driving process's answer.
//   control  {rid, action: 'pause'|'resume'|'terminate'|'restart', args?, at}   args: restart's {from}
//   answered {rid, ok, error?, withdrawn?, at}   withdrawn: the requester took it back (the holder had let go)
// The fold keeps the requests not yet answered (index.controls, by rid): the next driver applies them.

export const control = (rid, action, at, args) => ({ t: 'control', rid, action, ...(args ? { args } : {}), at });
export const answered = (rid, error, at) => ({ t: 'answered', rid, ok: error === null, ...(error ? { error } : {}), at });
export const withdrawn = (rid, at) => ({ t: 'answered', rid, ok: false, withdrawn: true, at });
export const isRequest = (r) => r.t === 'control';
// An answer (to the request `rid` when given).
export const isAnswer = (r, rid) => r.t === 'answered' && (rid === undefined || r.rid === rid);

export const records = {
  control: { fold: (index, r) => { index.controls.set(r.rid, r); }, describe: () => null },
  answered: { fold: (index, r) => { index.controls.delete(r.rid); }, describe: () => null },
};
