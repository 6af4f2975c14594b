import v8 from 'node:v8';
import { appendFileSync } from 'node:fs';
if (process.argv.includes('serve')) {
  setInterval(() => {
    const m = process.memoryUsage();
    const sp = Object.fromEntries(v8.getHeapSpaceStatistics().map(s => [s.space_name.replace('_space',''), (s.space_size/1048576).toFixed(1)]));
    appendFileSync('/tmp/memlog.txt', `rss ${(m.rss/1048576).toFixed(1)} heapT ${(m.heapTotal/1048576).toFixed(1)} used ${(m.heapUsed/1048576).toFixed(1)} ext ${(m.external/1048576).toFixed(1)} ab ${(m.arrayBuffers/1048576).toFixed(1)} new ${sp.new} old ${sp.old} lo ${sp.large_object}\n`);
  }, 200).unref();
}
