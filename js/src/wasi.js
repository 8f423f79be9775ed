// wasi.js: the few wasi_snapshot_preview1 functions the WASI build of the core imports, as tiny
// stubs (Workers have no WASI). The core does no I/O and reads no clock or randomness, so:
//   fd_write            → text to the console (only libc diagnostics ever write), success;
//   fd_close, fd_seek,
//   fd_fdstat_get, ...   → EBADF (there are no files);
//   environ / args       → empty;
//   proc_exit            → throws (an exit is an abort: the instance is unusable);
//   clock_*, random_get,
//   anything else        → throws, so a core that starts depending on time, randomness or
//                          I/O fails its tests instead of silently behaving differently
//                          between builds.

const ERRNO_SUCCESS = 0;
const ERRNO_BADF = 8;

class WasiRefused extends Error {
  constructor(name, why) {
    super(`switchyard: the core called WASI ${name}, which ${why}`);
    this.name = 'WasiRefused';
  }
}

/**
 * The import object for a WASI build of the core. `memory()` returns the instance's memory
 * (known only after instantiation).
 */
/** The WASI functions with a real stub (everything else the core may import throws). */
export const WASI_PROVIDED = Object.freeze([
  'fd_write', 'fd_close', 'fd_seek', 'fd_read', 'fd_fdstat_get', 'fd_prestat_get',
  'fd_prestat_dir_name', 'environ_sizes_get', 'environ_get', 'args_sizes_get', 'args_get',
  'proc_exit',
]);

export function wasiImports(module, memory) {
  const view = () => new DataView(memory().buffer);
  const decoder = new TextDecoder();
  const pending = { 1: '', 2: '' };

  const known = {
    fd_write(fd, iovs, iovsLen, nwrittenPtr) {
      const dv = view();
      let written = 0;
      let text = '';
      for (let i = 0; i < iovsLen; i++) {
        const ptr = dv.getUint32(iovs + i * 8, true);
        const len = dv.getUint32(iovs + i * 8 + 4, true);
        text += decoder.decode(new Uint8Array(memory().buffer, ptr, len));
        written += len;
      }
      if (fd === 1 || fd === 2) {
        const lines = (pending[fd] + text).split('\n');
        pending[fd] = lines.pop();
        for (const line of lines) (fd === 1 ? console.log : console.error)(line);
      } else {
        return ERRNO_BADF;
      }
      dv.setUint32(nwrittenPtr, written, true);
      return ERRNO_SUCCESS;
    },
    fd_close: () => ERRNO_BADF,
    fd_seek: () => ERRNO_BADF,
    fd_read: () => ERRNO_BADF,
    fd_fdstat_get: () => ERRNO_BADF,
    fd_prestat_get: () => ERRNO_BADF,
    fd_prestat_dir_name: () => ERRNO_BADF,
    environ_sizes_get(countPtr, sizePtr) {
      const dv = view();
      dv.setUint32(countPtr, 0, true);
      dv.setUint32(sizePtr, 0, true);
      return ERRNO_SUCCESS;
    },
    environ_get: () => ERRNO_SUCCESS,
    args_sizes_get(countPtr, sizePtr) {
      const dv = view();
      dv.setUint32(countPtr, 0, true);
      dv.setUint32(sizePtr, 0, true);
      return ERRNO_SUCCESS;
    },
    args_get: () => ERRNO_SUCCESS,
    proc_exit(code) { throw new WasiRefused('proc_exit', `ends the instance (exit code ${code})`); },
  };
  const forbidden = {
    clock_time_get: 'reads the clock: now_ms must be an input',
    clock_res_get: 'reads the clock: now_ms must be an input',
    random_get: 'draws randomness: seeds must be inputs',
  };

  const wasi = {};
  for (const { module: from, name, kind } of WebAssembly.Module.imports(module)) {
    if (from !== 'wasi_snapshot_preview1' || kind !== 'function') continue;
    wasi[name] = known[name] ?? (() => {
      throw new WasiRefused(name, forbidden[name] ?? 'this host does not provide');
    });
  }
  return { wasi_snapshot_preview1: wasi };
}
