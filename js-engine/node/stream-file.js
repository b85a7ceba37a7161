// Sends a file's bytes as the body of a response whose head is written, resolving when the response closes
// (a HEAD request gets the head only).
import fs from 'node:fs';

export async function streamFile(req, res, file) {
  if (req.method === 'HEAD') return res.end();
  await new Promise((resolve, reject) => {
    const stream = fs.createReadStream(file);
    stream.on('error', reject);
    res.on('close', resolve);
    stream.pipe(res);
  });
}
