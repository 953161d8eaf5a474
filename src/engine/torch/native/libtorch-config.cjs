// Where libtorch's headers and libraries are, for binding.gyp (one answer per line of output):
//   RZERO_LIBTORCH_DIR=<dir with include/ and lib/>   a libtorch zip or a PyTorch installation's
//                                                     torch/ folder (CUDA or CPU)
//   otherwise Debian's libtorch-dev (/usr/include, /usr/lib/<multiarch>).
// RZERO_TORCH_CXX11_ABI=0|1 must match the library (PyTorch wheels before 2.6 used 0); the build
// script reads it from python's torch when it builds against one.
'use strict';
const { existsSync, readdirSync } = require('node:fs');
const { join } = require('node:path');

function locate() {
  const dir = process.env.RZERO_LIBTORCH_DIR;
  if (dir) {
    const lib = join(dir, 'lib');
    if (!existsSync(join(dir, 'include', 'ATen', 'ATen.h')) || !existsSync(lib))
      throw new Error(`RZERO_LIBTORCH_DIR=${dir} has no include/ATen/ATen.h or lib/`);
    return { include: [join(dir, 'include'), join(dir, 'include', 'torch', 'csrc', 'api', 'include')], lib };
  }
  const multiarch = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib'];
  const lib = multiarch.find((d) => existsSync(join(d, 'libtorch_cpu.so')));
  if (!existsSync('/usr/include/ATen/ATen.h') || !lib)
    throw new Error('libtorch not found: install libtorch-dev or set RZERO_LIBTORCH_DIR');
  return { include: ['/usr/include', '/usr/include/torch/csrc/api/include'], lib };
}

const what = process.argv[2];
const { include, lib } = locate();
const has = (name) => existsSync(join(lib, name));
if (what === 'include_dirs') console.log(include.join('\n'));
else if (what === 'defines') console.log(`_GLIBCXX_USE_CXX11_ABI=${process.env.RZERO_TORCH_CXX11_ABI ?? '1'}`);
else if (what === 'libraries') {
  const libs = [`-L${lib}`, '-lc10', '-ltorch_cpu'];
  // CUDA builds: link the CUDA parts without --as-needed dropping them, so their kernels register.
  if (has('libtorch_cuda.so')) libs.push('-Wl,--no-as-needed', '-ltorch_cuda', '-lc10_cuda', '-Wl,--as-needed');
  if (has('libtorch.so')) libs.push('-ltorch');
  console.log(libs.join('\n'));
} else if (what === 'ldflags') console.log(`-Wl,-rpath,${lib}`);
else throw new Error(`libtorch-config.js: unknown query ${what}; files: ${readdirSync(lib).length}`);
