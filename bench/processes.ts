import { readFileSync } from 'node:fs';

/** A process and its descendants (the cluster workers of a server), by pid (Linux /proc). */
export function processTree(pid: number): number[] {
  const children = (p: number): number[] => {
    try {
      return readFileSync(`/proc/${p}/task/${p}/children`, 'utf8')
        .split(' ')
        .filter(Boolean)
        .map(Number);
    } catch {
      return [];
    }
  };
  const all = [pid];
  for (let i = 0; i < all.length; i++) all.push(...children(all[i]));
  return all;
}

/** Resident set size in MiB, or null once the process is gone. */
export function rssMiB(pid: number): number | null {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Math.round(Number(match[1]) / 1024) : null;
  } catch {
    return null;
  }
}

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // clock ticks, 100 Hz on Linux
  } catch {
    return 0;
  }
}

/** Busy and total jiffies of the whole machine. */
function machineTicks(): { busy: number; total: number } {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].split(/\s+/).slice(1).map(Number);
  const idle = cpu[3] + cpu[4];
  const total = cpu.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/**
 * Samples, while a scenario runs, every process of the servers under test: peak RSS per process,
 * CPU seconds used by the servers, and how busy the whole machine was.
 */
export class Sampler {
  private readonly peaks = new Map<number, number>();
  private readonly timer: NodeJS.Timeout;
  private readonly cpuStart: number;
  private readonly machineStart = machineTicks();
  private readonly loadStart = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
  /** RSS of every server process, sampled once a second: `[second][process]`. */
  readonly perSecond: number[][] = [];
  private tick = 0;

  constructor(private readonly roots: number[]) {
    this.cpuStart = this.cpu();
    this.sample();
    this.timer = setInterval(() => this.sample(), 250);
  }

  private pids(): number[] {
    return this.roots.flatMap(processTree);
  }

  private cpu(): number {
    return this.pids().reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  }

  private sample(): void {
    const rss = this.pids().map((pid) => {
      const value = rssMiB(pid);
      if (value !== null) this.peaks.set(pid, Math.max(this.peaks.get(pid) ?? 0, value));
      return value ?? 0;
    });
    if (this.tick++ % 4 === 0) this.perSecond.push(rss);
  }

  stop(): {
    peakRssMiB: number;
    processes: number;
    serverCpuSeconds: number;
    machineBusy: number;
    loadAverage: string;
  } {
    clearInterval(this.timer);
    this.sample();
    const machine = machineTicks();
    return {
      peakRssMiB: Math.max(0, ...this.peaks.values()),
      processes: this.peaks.size,
      serverCpuSeconds: this.cpu() - this.cpuStart,
      machineBusy:
        (machine.busy - this.machineStart.busy) /
        Math.max(1, machine.total - this.machineStart.total),
      loadAverage: `${this.loadStart} → ${readFileSync('/proc/loadavg', 'utf8').split(' ')[0]}`,
    };
  }
}
