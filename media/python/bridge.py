# Optimizer Diagnostics: the Python bridge of a *.loss.py file (shipped in the extension).
#
#   python3 bridge.py <loss file> 3 4
#
# Loads the loss file once, then answers requests on fd 3 with replies on fd 4 (the file's own
# print() output goes to stdout/stderr as usual, never into the protocol). Binary frames,
# little-endian, no JSON in the hot path:
#
#   request  header '<iiii' = (op, n, m, step)  then n float64 (the flat parameters / grid points)
#                                               then m int32 (row indices of the batch; m = -1: all rows)
#   reply    header '<ii'   = (status, count)   status 0: count float64 follow
#                                               status 1: count bytes of UTF-8 JSON (an error), status 2: JSON (describe)
#
# ops: 1 describe (JSON reply), 2 value+grad (torch autograd), 3 value+grad (the file's grad(p)),
#      4 value+grad (central differences), 5 value only, 6 values on n/2 (x, y) points (grid; NaN where
#      loss fails), 7 exit, 8 Hessian-vector product (torch double backward; n = 2·dim: the point, then v),
#      9 timing (the bench, with OD_BRIDGE_TIMING=1: [calls, seconds] spent in loss() + backward() by op 2 since the last op 9).
# Reply of 2-4: [loss, grad...]; of 5: [loss]; of 6: n/2 values; of 8: H·v (dim values).
# The run loop, the optimizer, the sampler and every check on the numbers live in the extension (Node).
#
# The hot path allocates nothing per request that it can avoid: the parameters are copied (one memcpy)
# into a preallocated buffer that the loss's tensors are views of (one leaf tensor per entry of params,
# as a torch.optim user would have them), and backward() accumulates the gradient in place into a
# preallocated reply frame (each leaf's .grad is a view of it), which is written out as it is.
import ast
import importlib.util
import inspect
import json
import math
import os
import struct
import sys
import traceback

HEADER = struct.Struct('<iiii')
REPLY = struct.Struct('<ii')
OP_DESCRIBE, OP_AUTOGRAD, OP_GRAD_EXPORT, OP_NUMERIC, OP_VALUE, OP_GRID, OP_EXIT, OP_HVP, OP_TIMING = 1, 2, 3, 4, 5, 6, 7, 8, 9
PACK_D = struct.Struct('<d')
KNOWN = ('name', 'params', 'loss', 'grad', 'data', 'batch_size', 'validation', 'domain', 'minimum', 'gradient')
MAX_TEXT = 1800


class UserError(Exception):
    """A located error of the loss file: kind and message as the extension's LossError ('{at}' in a
    message becomes ' at step k' on the extension's side, or nothing outside a run)."""

    def __init__(self, kind, message, line=None, column=None):
        super().__init__(message)
        self.kind, self.message, self.line, self.column = kind, message, line, column


class Bridge:
    def __init__(self, path, fin, fout):
        self.path = os.path.realpath(path)
        self.fin = os.fdopen(fin, 'rb', buffering=0)
        self.fout = os.fdopen(fout, 'wb', buffering=0)
        self.torch = None
        self.np = None
        self.module = None
        self.lines = {}
        self.last_idx = None
        self.last_batch = None
        self.buf = bytearray(1 << 16)
        self.view = memoryview(self.buf)
        self.pos = self.end = 0
        self.timing = os.environ.get('OD_BRIDGE_TIMING') == '1'
        self.clock = __import__('time').perf_counter
        self.timed = [0, 0.0]
        for fd in (fin, fout):
            try:  # a larger pipe buffer: a 100,000-parameter frame in one piece (Linux F_SETPIPE_SZ)
                import fcntl
                fcntl.fcntl(fd, 1031, 1 << 20)
            except Exception:
                pass

    # ------------------------------------------------------------------ io
    def fill(self, n):
        """Makes n bytes available at self.pos (one read syscall when the request is already there)."""
        if self.end - self.pos >= n:
            return
        if self.pos > 0:
            rest = self.end - self.pos
            self.buf[0:rest] = self.buf[self.pos:self.end]
            self.pos, self.end = 0, rest
        if len(self.buf) < n:
            self.view.release()
            self.buf.extend(bytes(n - len(self.buf)))
            self.view = memoryview(self.buf)
        while self.end < n:
            k = self.fin.readinto(self.view[self.end:])
            if not k:
                sys.exit(0)  # the extension closed the channel
            self.end += k

    def reply_json(self, obj, status=1):
        data = json.dumps(obj, allow_nan=False, default=str).encode('utf-8')
        self.fout.write(REPLY.pack(status, len(data)) + data)

    # ------------------------------------------------------------------ loading
    def user_line(self, tb):
        """(line, column) of the innermost traceback frame in the loss file (or a file next to it)."""
        best = None
        here = os.path.dirname(self.path)
        for fs in traceback.extract_tb(tb):
            f = os.path.realpath(fs.filename) if fs.filename and not fs.filename.startswith('<') else ''
            if f == self.path:
                best = (fs.lineno, getattr(fs, 'colno', None))
            elif best is None and f.startswith(here + os.sep) and 'site-packages' not in f and 'dist-packages' not in f:
                best = (fs.lineno, getattr(fs, 'colno', None))
        if best is None:
            return None, None
        return best[0], (best[1] + 1 if best[1] is not None else None)

    def thrown(self, e):
        text = ''.join(traceback.format_exception_only(type(e), e)).strip().splitlines()
        last = text[-1] if text else type(e).__name__
        return last if len(last) <= MAX_TEXT else last[:MAX_TEXT] + '... (%d characters)' % len(last)

    def load(self):
        try:
            with open(self.path, 'rb') as f:
                source = f.read()
        except OSError as e:
            raise UserError('missing-export', 'cannot read the loss file: %s' % e)
        try:
            tree = ast.parse(source, self.path)
        except SyntaxError as e:
            raise UserError('syntax', '%s' % (e.msg,), e.lineno, e.offset)
        for node in tree.body:
            targets = []
            if isinstance(node, ast.Assign):
                targets = [t.id for t in node.targets if isinstance(t, ast.Name)]
            elif isinstance(node, (ast.AnnAssign, ast.AugAssign)) and isinstance(node.target, ast.Name):
                targets = [node.target.id]
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                targets = [node.name]
            for t in targets:
                if t in KNOWN:
                    self.lines[t] = (node.lineno, node.col_offset + 1)
        sys.path.insert(0, os.path.dirname(self.path))
        spec = importlib.util.spec_from_file_location('__loss__', self.path)
        module = importlib.util.module_from_spec(spec)
        sys.modules['__loss__'] = module
        try:
            spec.loader.exec_module(module)
        except SyntaxError as e:
            raise UserError('syntax', '%s' % (e.msg,), e.lineno, e.offset)
        except ModuleNotFoundError as e:
            line, col = self.user_line(e.__traceback__)
            if e.name in ('torch', 'numpy'):
                raise UserError('threw', '%s is not installed (interpreter %s): install it in that environment (pip install %s) or choose another interpreter (setting optimizerDiagnostics.python.interpreterPath, CLI --python)'
                                % (e.name, sys.executable, e.name), line, col)
            raise UserError('threw', 'the loss file threw while loading: %s' % self.thrown(e), line, col)
        except Exception as e:
            line, col = self.user_line(e.__traceback__)
            raise UserError('threw', 'the loss file threw while loading: %s' % self.thrown(e), line, col)
        self.module = module
        g = module.__dict__
        self.torch = sys.modules.get('torch') if 'torch' in sys.modules else None
        try:
            import numpy
            self.np = numpy
        except ImportError:
            self.np = None
        at = lambda k: self.lines.get(k, (None, None))
        if 'params' not in g:
            raise UserError('invalid-export', 'params is missing: declare the parameters with their start values, e.g. params = {"x": 0.0, "y": 0.0} or {"w": [0.0, 0.0, 0.0], "b": 0.0}')
        if 'loss' not in g:
            raise UserError('invalid-export', 'loss is missing: add def loss(p): ... return a number')
        if not callable(g['loss']):
            raise UserError('invalid-export', 'loss must be a function loss(p) or loss(p, batch), got %s' % type(g['loss']).__name__, *at('loss'))
        if 'grad' in g and not callable(g['grad']):
            raise UserError('invalid-export', 'grad must be a function grad(p) returning the gradient in the shape of params, got %s' % type(g['grad']).__name__, *at('grad'))
        self.loss_fn = g['loss']
        self.grad_fn = g.get('grad')
        self.loss_args = self.arity(self.loss_fn)
        self.entries = self.flatten_params(g['params'], at('params'))
        self.dim = sum(e[2] for e in self.entries)
        self.data = g.get('data')
        self.n_rows = None
        if self.data is not None:
            try:
                self.n_rows = len(self.data[0]) if isinstance(self.data, tuple) else len(self.data)
            except Exception:
                raise UserError('invalid-export', 'data must have a length (a tensor or array with rows along the first axis, a tuple of them such as (X, y), or a list of rows), got %s' % type(self.data).__name__, *at('data'))
            if isinstance(self.data, tuple):
                for i, d in enumerate(self.data):
                    if len(d) != self.n_rows:
                        raise UserError('invalid-export', 'data[%d] has %d rows, data[0] has %d: the arrays of a data tuple must have the same number of rows' % (i, len(d), self.n_rows), *at('data'))
            if self.loss_args < 2 and g.get('batch_size') is not None:
                raise UserError('invalid-export', 'batch_size needs loss(p, batch): the batch is passed as the second argument', *at('loss'))
        self.prepare()
        return g

    def prepare(self):
        """The preallocated buffers of the hot path: the point (8·dim bytes) and the reply frame."""
        dim = self.dim
        self.inbuf = bytearray(8 * dim)
        self.in_mv = memoryview(self.inbuf)
        self.rep = bytearray(REPLY.size + 8 * (1 + dim))
        REPLY.pack_into(self.rep, 0, 0, 1 + dim)
        self.pairs = ()
        if self.torch is None:
            self.in_np = self.np.frombuffer(self.inbuf, dtype='<f8') if self.np is not None else None
            return
        t = self.torch
        base = t.frombuffer(self.inbuf, dtype=t.float64)  # shares inbuf: one memcpy sets every leaf
        rep = t.frombuffer(self.rep, dtype=t.float64, offset=REPLY.size)
        self.grads = rep[1:]
        views, pairs = {}, []
        off = 0
        for k, shape, size, _ in self.entries:
            if shape is None:
                v, gv = base[off], rep[1 + off]
            else:
                v, gv = base[off:off + size].view(shape), rep[1 + off:1 + off + size].view(shape)
            leaf = v.detach().requires_grad_()  # a leaf as in a torch.optim loop, its data in inbuf
            leaf.grad = gv  # backward() accumulates into the reply frame in place
            views[k] = leaf
            pairs.append((leaf, gv))
            off += size
        self.views = views
        self.pairs = tuple(pairs)
        self.leaves = tuple(l for l, _ in pairs)

    def arity(self, fn):
        try:
            ps = [p for p in inspect.signature(fn).parameters.values() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
            return 2 if len(ps) >= 2 else 1
        except (TypeError, ValueError):
            return 1

    def flatten_params(self, params, where):
        """[(name, shape or None for a scalar, size, flat start values)], in the order of params."""
        if not isinstance(params, dict):
            raise UserError('shape', 'params must be a dict of named parameters ({"x": 0.0, "w": [0.0, 0.0]}), got %s' % type(params).__name__, *where)
        out = []
        for k, v in params.items():
            if not isinstance(k, str):
                raise UserError('shape', 'params keys must be strings, got %r' % (k,), *where)
            if isinstance(v, bool):
                raise UserError('shape', 'params.%s must be a number or an array of numbers, got a bool' % k, *where)
            if isinstance(v, (int, float)):
                out.append((k, None, 1, [float(v)]))
                continue
            shape = None
            flat = None
            if hasattr(v, 'detach') and hasattr(v, 'shape'):  # a torch tensor
                shape = tuple(v.shape)
                flat = [float(x) for x in v.detach().double().reshape(-1).tolist()]
            elif hasattr(v, 'shape') and hasattr(v, 'ravel'):  # a NumPy array
                shape = tuple(v.shape)
                flat = [float(x) for x in v.astype('float64').ravel().tolist()]
            elif isinstance(v, (list, tuple)):
                flat = []
                for i, x in enumerate(v):
                    if isinstance(x, bool) or not isinstance(x, (int, float)):
                        nested = ' (nested lists are not supported: use a tensor or array of that shape, or flatten it)' if isinstance(x, (list, tuple)) else ''
                        raise UserError('shape', 'params.%s[%d] must be a finite number, got %s%s' % (k, i, type(x).__name__, nested), *where)
                    flat.append(float(x))
                shape = (len(flat),)
            else:
                raise UserError('shape', 'params.%s must be a number or an array of numbers, got %s' % (k, type(v).__name__), *where)
            if shape == ():
                out.append((k, None, 1, flat))
                continue
            if len(flat) == 0:
                raise UserError('shape', 'params.%s is an empty array: give at least one start value' % k, *where)
            for i, x in enumerate(flat):
                if not math.isfinite(x):
                    raise UserError('shape', 'params.%s[%d] must be a finite number, got %r' % (k, i, x), *where)
            out.append((k, shape, len(flat), flat))
        if not out:
            raise UserError('shape', 'params declares no parameters: give at least one, e.g. params = {"x": 0.0}', *where)
        for k, shape, size, flat in out:
            if shape is None and not math.isfinite(flat[0]):
                raise UserError('shape', 'params.%s must be a finite number, got %r' % (k, flat[0]), *where)
        return out

    def make_views(self, flat):
        """p over a flat tensor (no grad): views, scalars 0-d."""
        p = {}
        off = 0
        for k, shape, size, _ in self.entries:
            if shape is None:
                p[k] = flat[off]
            else:
                p[k] = flat[off:off + size].view(shape)
            off += size
        return p

    def np_params(self, flat):
        """p for NumPy-mode calls: float for scalars, float64 arrays (fresh copies) otherwise."""
        p = {}
        off = 0
        for k, shape, size, _ in self.entries:
            if shape is None:
                p[k] = float(flat[off])
            elif self.np is not None:
                p[k] = self.np.array(flat[off:off + size], dtype=self.np.float64).reshape(shape)  # a copy the loss may change
            else:
                p[k] = list(flat[off:off + size])
            off += size
        return p

    def describe(self):
        g = self.module.__dict__
        def plain(v):
            if v is None:
                return None
            if isinstance(v, dict):
                return {str(a): plain(b) for a, b in v.items()}
            if isinstance(v, (list, tuple)):
                return [plain(x) for x in v]
            if hasattr(v, 'tolist'):
                return plain(v.tolist())
            if isinstance(v, float) and not math.isfinite(v):
                return repr(v)
            return v
        try:
            from importlib.metadata import version as pkg_version
        except ImportError:
            pkg_version = None
        torch_version = None
        if self.torch is not None:
            torch_version = self.torch.__version__
        elif importlib.util.find_spec('torch') is not None and pkg_version:
            try:
                torch_version = pkg_version('torch')
            except Exception:
                torch_version = 'installed'
        numpy_version = self.np.__version__ if self.np is not None else None
        present = {k: (k in g) for k in KNOWN}
        return {
            'interpreter': sys.executable,
            'python': '%d.%d.%d' % sys.version_info[:3],
            'torch': torch_version,
            'torchUsed': self.torch is not None,
            'numpy': numpy_version,
            'params': [[k, size if shape is not None else None, flat, list(shape) if shape else None] for k, shape, size, flat in self.entries],
            'name': plain(g.get('name')),
            'hasGrad': self.grad_fn is not None,
            'lossArgs': self.loss_args,
            'rows': self.n_rows,
            'batchSize': plain(g.get('batch_size')) if present['batch_size'] else None,
            'validation': plain(g.get('validation')) if present['validation'] else None,
            'domain': plain(g.get('domain')) if present['domain'] else None,
            'minimum': plain(g.get('minimum')) if present['minimum'] else None,
            'gradient': plain(g.get('gradient')) if present['gradient'] else None,
            'lines': {k: list(v) for k, v in self.lines.items()},
            'lossLine': self.loss_fn.__code__.co_firstlineno if hasattr(self.loss_fn, '__code__') else None,
            'files': sorted({os.path.realpath(m.__file__) for m in list(sys.modules.values())
                             if getattr(m, '__file__', None) and os.path.realpath(m.__file__).startswith(os.path.dirname(self.path) + os.sep)
                             and 'site-packages' not in m.__file__ and 'dist-packages' not in m.__file__}),
        }

    # ------------------------------------------------------------------ evaluation
    def batch_of(self, idx_bytes, m):
        if m < 0 or self.data is None:
            return self.data
        if idx_bytes == self.last_idx:
            return self.last_batch
        d = self.data
        if self.torch is not None and isinstance(d, self.torch.Tensor):
            b = d[self.torch.frombuffer(idx_bytes, dtype=self.torch.int32).long()]
        elif isinstance(d, tuple):
            idx = struct.unpack('<%di' % m, idx_bytes)
            b = tuple(self.index(x, idx, idx_bytes) for x in d)
        else:
            idx = struct.unpack('<%di' % m, idx_bytes)
            b = self.index(d, idx, idx_bytes)
        self.last_idx, self.last_batch = idx_bytes, b
        return b

    def index(self, d, idx, idx_bytes):
        if self.torch is not None and isinstance(d, self.torch.Tensor):
            return d[self.torch.frombuffer(idx_bytes, dtype=self.torch.int32).long()]
        if self.np is not None and isinstance(d, self.np.ndarray):
            return d[self.np.frombuffer(idx_bytes, dtype='<i4')]
        return [d[i] for i in idx]

    def call_loss(self, p, batch):
        return self.loss_fn(p, batch) if self.loss_args >= 2 else self.loss_fn(p)

    def scalar(self, v, what='loss()'):
        """The loss value as a float; a wrong type is reported like a *.loss.ts loss that does not return a number."""
        t = self.torch
        if t is not None and isinstance(v, t.Tensor):
            if v.numel() != 1:
                raise UserError('not-a-number', '%s returned a tensor of shape %s{at}; it must return a number (a 0-d tensor or a float)' % (what, tuple(v.shape)), *self.lines.get('loss', (None, None)))
            return v
        if isinstance(v, bool) or v is None or isinstance(v, (str, bytes, list, tuple, dict)):
            got = 'None (a missing return?)' if v is None else 'a %s' % type(v).__name__
            raise UserError('not-a-number', '%s returned %s{at}; it must return a number' % (what, got), *self.lines.get('loss', (None, None)))
        if hasattr(v, 'shape') and getattr(v, 'size', 1) != 1:
            raise UserError('not-a-number', '%s returned an array of shape %s{at}; it must return a number' % (what, tuple(v.shape)), *self.lines.get('loss', (None, None)))
        try:
            return float(v)
        except Exception:
            raise UserError('not-a-number', '%s returned a %s{at}; it must return a number' % (what, type(v).__name__), *self.lines.get('loss', (None, None)))

    def value_here(self, batch):
        """Plain loss at the point in inbuf (no gradient)."""
        t = self.torch
        if t is not None:
            with t.no_grad():
                v = self.scalar(self.call_loss(self.views, batch))
                return v if isinstance(v, float) else v.item()
        flat = self.in_np if self.np is not None else struct.unpack('<%dd' % self.dim, self.inbuf)
        return float(self.scalar(self.call_loss(self.np_params(flat), batch)))

    def autograd(self, batch):
        """[loss, grad] in the reply frame: backward() has accumulated the gradient into it."""
        self.grads.zero_()
        if self.timing:
            t0 = self.clock()
        v = self.scalar(self.call_loss(self.views, batch))
        if isinstance(v, float):
            PACK_D.pack_into(self.rep, REPLY.size, v)
            return self.rep
        value = v.item()
        if v.requires_grad:
            v.backward()
            for leaf, gv in self.pairs:
                g = leaf.grad
                if g is not gv:  # the loss replaced or cleared .grad: copy it back, restore ours
                    if g is not None:
                        gv.copy_(g)
                    leaf.grad = gv
        if self.timing:
            self.timed[0] += 1
            self.timed[1] += self.clock() - t0
        PACK_D.pack_into(self.rep, REPLY.size, value)
        return self.rep

    def grad_export(self, batch):
        value = self.value_here(batch)
        if self.torch is not None:
            p = self.make_views(self.torch.frombuffer(bytearray(self.inbuf), dtype=self.torch.float64))  # a copy the grad may change
        else:
            p = self.np_params(self.in_np if self.np is not None else struct.unpack('<%dd' % self.dim, self.inbuf))
        where = self.lines.get('grad', (None, None))
        g = self.grad_fn(p, batch) if self.arity(self.grad_fn) >= 2 else self.grad_fn(p)
        if not isinstance(g, dict):
            raise UserError('shape', 'grad() returned %s; it must return a dict shaped like params (%s)' % (type(g).__name__, ', '.join(e[0] for e in self.entries)), *where)
        for k in g:
            if k not in {e[0] for e in self.entries}:
                raise UserError('shape', 'grad() returned an entry "%s" that params does not declare' % k, *where)
        out = [value]
        for k, shape, size, _ in self.entries:
            if k not in g:
                raise UserError('shape', 'grad() has no entry "%s" (params declares it)' % k, *where)
            v = g[k]
            if hasattr(v, 'detach'):
                v = v.detach().double().reshape(-1).tolist()
            elif hasattr(v, 'ravel'):
                v = v.astype('float64').ravel().tolist()
            if shape is None:
                if isinstance(v, list) and len(v) == 1:
                    v = v[0]
                if isinstance(v, bool) or not isinstance(v, (int, float)):
                    raise UserError('not-a-number', 'grad()["%s"] must be a number (params["%s"] is a number), got %s' % (k, k, type(v).__name__), *where)
                out.append(float(v))
            else:
                if not isinstance(v, (list, tuple)):
                    raise UserError('shape', 'grad()["%s"] must be an array of %d numbers, got %s' % (k, size, type(v).__name__), *where)
                if len(v) != size:
                    raise UserError('shape', 'grad()["%s"] has %d values, params["%s"] has %d' % (k, len(v), k, size), *where)
                out.extend(float(x) for x in v)
        struct.pack_into('<%dd' % len(out), self.rep, REPLY.size, *out)
        return self.rep

    def numeric(self, batch):
        """Central differences, the extension's formula: h = cbrt(eps) * max(1, |x_i|)."""
        value = self.value_here(batch)
        buf = self.inbuf
        flat = struct.unpack('<%dd' % self.dim, buf)
        h = sys.float_info.epsilon ** (1.0 / 3.0)
        out = [value]
        try:
            for i in range(self.dim):
                xi = flat[i]
                hi = h * max(1.0, abs(xi))
                xp, xm = xi + hi, xi - hi
                PACK_D.pack_into(buf, 8 * i, xp)
                fp = self.value_here(batch)
                PACK_D.pack_into(buf, 8 * i, xm)
                fm = self.value_here(batch)
                PACK_D.pack_into(buf, 8 * i, xi)
                out.append((fp - fm) / (xp - xm))
        finally:
            struct.pack_into('<%dd' % self.dim, buf, 0, *flat)
        struct.pack_into('<%dd' % len(out), self.rep, REPLY.size, *out)
        return self.rep

    def grid(self, pts_bytes, batch):
        """Plain values at n/2 (x, y) points of a 2-parameter loss; NaN where loss fails."""
        pts = struct.unpack('<%dd' % (len(pts_bytes) // 8), pts_bytes)
        out = []
        buf = self.inbuf
        for j in range(0, len(pts), 2):
            struct.pack_into('<2d', buf, 0, pts[j], pts[j + 1])
            try:
                v = self.value_here(batch)
            except Exception:
                v = float('nan')
            out.append(v)
        data = struct.pack('<%dd' % len(out), *out)
        return REPLY.pack(0, len(out)) + data

    def hvp(self, v_bytes, batch):
        """H(x)·v by double backward (torch.autograd.grad with create_graph), x already in inbuf."""
        t = self.torch
        if t is None:
            raise UserError('autodiff', 'Hessian-vector products of a *.loss.py come from torch.autograd, and torch is not imported by this file')
        vt = t.frombuffer(bytearray(v_bytes), dtype=t.float64)
        dim = self.dim
        with t.enable_grad():
            val = self.scalar(self.call_loss(self.views, batch))
            out = bytearray(REPLY.size + 8 * dim)
            REPLY.pack_into(out, 0, 0, dim)
            if isinstance(val, float) or not val.requires_grad:
                return out
            gs = t.autograd.grad(val.reshape(()), self.leaves, create_graph=True, allow_unused=True)
            dot = None
            off = 0
            for (k, shape, size, _), g in zip(self.entries, gs):
                if g is not None:
                    vk = vt[off] if shape is None else vt[off:off + size].view(shape)
                    term = (g * vk).sum()
                    dot = term if dot is None else dot + term
                off += size
            if dot is None or not dot.requires_grad:
                return out  # linear in the parameters: H = 0
            hs = t.autograd.grad(dot, self.leaves, allow_unused=True)
        res = t.frombuffer(out, dtype=t.float64, offset=REPLY.size)
        off = 0
        for (k, shape, size, _), h in zip(self.entries, hs):
            if h is not None:
                res[off:off + size].copy_(h.detach().reshape(-1))
            off += size
        return out

    # ------------------------------------------------------------------ loop
    def error_reply(self, e, step):
        if isinstance(e, UserError):
            self.reply_json({'kind': e.kind, 'message': e.message, 'line': e.line, 'column': e.column})
            return
        line, col = self.user_line(e.__traceback__)
        self.reply_json({'kind': 'threw', 'exception': self.thrown(e), 'line': line, 'column': col})

    def serve(self):
        try:
            self.load()
            ok = True
        except UserError as e:
            err, ok = e, False
        except BaseException as e:  # SystemExit, KeyboardInterrupt in top-level code
            line, col = self.user_line(e.__traceback__)
            err, ok = UserError('threw', 'the loss file threw while loading: %s' % self.thrown(e), line, col), False
        evals = {OP_AUTOGRAD: self.autograd, OP_GRAD_EXPORT: self.grad_export, OP_NUMERIC: self.numeric}
        dim = self.dim if ok else -1
        nb = 8 * dim
        hsize = HEADER.size
        unpack_from = HEADER.unpack_from
        write = self.fout.write
        rep1 = bytearray(REPLY.pack(0, 1) + bytes(8))  # the reply of a value request
        while True:
            # The request in place: header, then n doubles, then m int32 (usually all in one read).
            self.fill(hsize)
            op, n, m, step = unpack_from(self.buf, self.pos)
            size = hsize + 8 * max(0, n) + 4 * max(0, m)
            self.fill(size)
            at = self.pos + hsize
            self.pos += size
            if op == OP_EXIT:
                return
            if not ok:
                self.error_reply(err, step)
                continue
            try:
                if op == OP_DESCRIBE:
                    self.reply_json(self.describe(), status=2)
                    continue
                if op == OP_TIMING:
                    write(REPLY.pack(0, 2) + struct.pack('<2d', *self.timed))
                    self.timed = [0, 0.0]
                    continue
                idx = bytearray(self.view[at + 8 * n:at + 8 * n + 4 * m]) if m > 0 else b''  # writable: torch.frombuffer
                batch = self.batch_of(idx, m)
                if op == OP_GRID:
                    write(self.grid(self.view[at:at + 8 * n], batch))
                    continue
                if n != dim and not (op == OP_HVP and n == 2 * dim):
                    raise UserError('internal', 'the request has %d values, the loss has %d parameters' % (n, dim))
                self.in_mv[:] = self.view[at:at + nb]  # the point: every leaf tensor sees it
                if op == OP_VALUE:
                    PACK_D.pack_into(rep1, REPLY.size, self.value_here(batch))
                    write(rep1)
                elif op == OP_HVP:
                    write(self.hvp(self.view[at + nb:at + 2 * nb], batch))
                else:
                    write(evals[op](batch))
            except Exception as e:
                self.error_reply(e, step)


if __name__ == '__main__':
    # The protocol descriptors are inherited blocking pipe ends; the file's own output stays on 1 and 2.
    fin, fout = int(sys.argv[2]), int(sys.argv[3])
    os.set_blocking(fin, True)
    os.set_blocking(fout, True)
    Bridge(sys.argv[1], fin, fout).serve()
