/** What the numbers were measured on: hardware, OS, Node, and how busy the machine was. */
import { arch, cpus, loadavg, platform, release, totalmem } from 'node:os';

/** A description of this machine for the report. */
export interface MachineInfo {
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly os: string;
  readonly node: string;
}

/** Reads the machine description. */
export function machineInfo(): MachineInfo {
  const processors = cpus();
  return {
    cpuModel: processors[0]?.model.trim() ?? 'unknown',
    cores: processors.length,
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    os: `${platform()} ${release()} ${arch()}`,
    node: process.version,
  };
}

/** The 1, 5 and 15 minute load averages, as `uptime` prints them. */
export function loadAverages(): string {
  return loadavg()
    .map((value) => value.toFixed(2))
    .join(', ');
}
