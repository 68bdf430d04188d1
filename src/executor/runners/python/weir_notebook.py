"""weir notebook harness: runs one notebook's cells in one interpreter; talks to weir over fd 3 (JSON lines).

Provides spark.sql, display, dbutils.widgets/notebook/jobs.taskValues/fs/secrets. `dbfs:/x` and `/dbfs/x` map to the
folder weir sends as dbfsRoot; `file:/x` and bare paths are local files.
"""
import collections, json, linecache, os, re, shutil, signal, socket, sys, traceback

class AnalysisException(Exception):
    """A SQL statement failed in weir's warehouse."""

class InputWidgetNotDefined(Exception):
    """dbutils.widgets.get of a widget that was neither passed nor declared."""

class WorkflowException(Exception):
    """A notebook started by dbutils.notebook.run failed."""

class NotebookExit(BaseException):
    """Raised by dbutils.notebook.exit; a BaseException so `except Exception` in user code does not swallow it."""
    def __init__(self, value):
        super().__init__(value)
        self.value = value

class Rpc:
    def __init__(self, fd):
        self._f = socket.socket(fileno=fd).makefile('rwb')
        self._id = 0
    def call(self, op, **args):
        self._id += 1
        self._f.write((json.dumps({'id': self._id, 'op': op, **args}) + '\n').encode('utf-8'))
        self._f.flush()
        line = self._f.readline()
        if not line:
            raise RuntimeError('weir closed the notebook channel')
        reply = json.loads(line)
        if not reply.get('ok'):
            raise (AnalysisException if op == 'sql' else RuntimeError)(reply.get('error'))
        return reply.get('result')

RPC = None
STATE = []  # stack of Frame: the notebook running now is STATE[-1]
Frame = collections.namedtuple('Frame', 'path widgets')

class Widgets:
    def __init__(self, params):
        self._params = {str(k): str(v) for k, v in (params or {}).items()}
        self._declared = {}
    def get(self, name):
        if name in self._params: return self._params[name]
        if name in self._declared: return self._declared[name]
        raise InputWidgetNotDefined('No input widget named %s is defined; declare it (dbutils.widgets.text) or pass it in base_parameters / job parameters' % name)
    def getArgument(self, name, defaultValue=None):
        try: return self.get(name)
        except InputWidgetNotDefined: return defaultValue
    def getAll(self): return {**self._declared, **self._params}
    def _declare(self, name, default, choices=None):
        if choices is not None and default not in choices:
            raise ValueError('Default value %r of widget %s is not one of its choices %r' % (default, name, list(choices)))
        self._declared[name] = '' if default is None else str(default)
    def text(self, name, defaultValue, label=None): self._declare(name, defaultValue)
    def dropdown(self, name, defaultValue, choices, label=None): self._declare(name, defaultValue, list(choices))
    def combobox(self, name, defaultValue, choices=None, label=None): self._declare(name, defaultValue)
    def multiselect(self, name, defaultValue, choices, label=None):
        self._declare(name, ','.join(defaultValue) if isinstance(defaultValue, (list, tuple)) else defaultValue)
    def remove(self, name): self._declared.pop(name, None)
    def removeAll(self): self._declared.clear()

class _CurrentWidgets:
    def __getattr__(self, name): return getattr(STATE[-1].widgets, name)

class Row(tuple):
    def __new__(cls, fields, values):
        row = super().__new__(cls, values)
        row.__fields__ = list(fields)
        return row
    def __getitem__(self, k):
        if isinstance(k, str):
            if k not in self.__fields__: raise KeyError(k)
            return tuple.__getitem__(self, self.__fields__.index(k))
        return tuple.__getitem__(self, k)
    def __getattr__(self, k):
        if k.startswith('__'): raise AttributeError(k)
        try: return self[k]
        except KeyError: raise AttributeError(k)
    def asDict(self, recursive=False): return dict(zip(self.__fields__, self))
    def __repr__(self): return 'Row(%s)' % ', '.join('%s=%r' % kv for kv in zip(self.__fields__, self))

def _cell(v):
    if v is None: return 'NULL'
    if isinstance(v, bool): return 'true' if v else 'false'
    return json.dumps(v) if isinstance(v, (dict, list)) else str(v)

def _table(columns, rows, n=20, truncate=True):
    width = 20 if truncate is True else (int(truncate) if truncate else 0)
    cut = lambda s: s if not width or len(s) <= width else s[:width - 3] + '...'
    shown = [[cut(_cell(v)) for v in r] for r in rows[:n]]
    widths = [max([len(c)] + [len(r[i]) for r in shown]) for i, c in enumerate(columns)]
    line = '+' + '+'.join('-' * w for w in widths) + '+'
    fmt = lambda cells: '|' + '|'.join(c.rjust(w) for c, w in zip(cells, widths)) + '|'
    return '\n'.join([line, fmt(columns), line] + [fmt(r) for r in shown] + [line])

class DataFrame:
    def __init__(self, result):
        self._cols = result.get('columns') or []
        self.columns = [c['name'] for c in self._cols]
        self._rows = [Row(self.columns, r) for r in result.get('rows') or []]
        self._count = result.get('rowCount', len(self._rows))
        self.truncated = bool(result.get('truncated'))
    @property
    def dtypes(self): return [(c['name'], c['type']) for c in self._cols]
    def collect(self): return list(self._rows)
    def count(self): return self._count
    def first(self): return self._rows[0] if self._rows else None
    def head(self, n=None): return self.first() if n is None else self._rows[:n]
    def take(self, n): return self._rows[:n]
    def isEmpty(self): return self._count == 0
    def show(self, n=20, truncate=True, vertical=False):
        print(_table(self.columns, self._rows, n, truncate))
        if self._count > n: print('only showing top %d row%s' % (n, '' if n == 1 else 's'))
    def toPandas(self):
        try: import pandas
        except ImportError: raise ImportError('toPandas() needs pandas, which is not installed in this Python; install it (pip install pandas) or use collect()') from None
        return pandas.DataFrame([list(r) for r in self._rows], columns=self.columns)
    def __repr__(self): return 'DataFrame[%s]' % ', '.join('%s: %s' % t for t in self.dtypes)

class Spark:
    def __init__(self): self.conf = _Conf()
    def sql(self, sqlQuery, args=None, **kwargs):
        params = {str(k): _cell(v) if not isinstance(v, str) else v for k, v in {**(args or {}), **kwargs}.items()}
        return DataFrame(RPC.call('sql', query=sqlQuery, params=params))
    def table(self, tableName): return self.sql('SELECT * FROM %s' % tableName)

class _Conf(dict):
    def get(self, key, default=None): return super().get(key, default)
    def set(self, key, value): self[key] = str(value)

def display(x=None, *args, **kwargs):
    if isinstance(x, DataFrame): x.show()
    elif isinstance(x, list) and x and all(isinstance(r, Row) for r in x): print(_table(x[0].__fields__, x, len(x)))
    else: print(x)

def displayHTML(html): print(html)

class _Fs:
    """dbutils.fs on local folders: dbfs:/ and /dbfs/ map to weir's DBFS folder, file: and bare paths are local."""
    def __init__(self, root): self._root = root
    def _local(self, path):
        p = str(path)
        if p.startswith('dbfs:'): return os.path.join(self._root, p[5:].lstrip('/'))
        if p == '/dbfs' or p.startswith('/dbfs/'): return os.path.join(self._root, p[5:].lstrip('/'))
        if p.startswith('file:'): return '/' + re.sub(r'^file:/*', '', p)
        return os.path.abspath(p)
    def ls(self, path):
        local = self._local(path)
        if not os.path.exists(local): raise FileNotFoundError('dbutils.fs.ls: %s does not exist (local path %s)' % (path, local))
        if os.path.isfile(local): return [self._info(str(path), local)]
        base = str(path).rstrip('/') + '/'
        return [self._info(base + n, os.path.join(local, n)) for n in sorted(os.listdir(local))]
    def _info(self, path, local):
        st, d = os.stat(local), os.path.isdir(local)
        name = os.path.basename(local) + ('/' if d else '')
        return FileInfo(path + ('/' if d and not path.endswith('/') else ''), name, 0 if d else st.st_size, int(st.st_mtime * 1000))
    def head(self, file, maxBytes=65536):
        with open(self._local(file), 'rb') as f: return f.read(maxBytes).decode('utf-8', errors='replace')
    def put(self, file, contents, overwrite=False):
        local = self._local(file)
        if os.path.exists(local) and not overwrite: raise FileExistsError('dbutils.fs.put: %s already exists; pass overwrite=True' % file)
        os.makedirs(os.path.dirname(local) or '.', exist_ok=True)
        with open(local, 'w', encoding='utf-8') as f: f.write(contents)
        return True
    def cp(self, from_, to, recurse=False):
        src, dst = self._local(from_), self._local(to)
        os.makedirs(os.path.dirname(dst) or '.', exist_ok=True)
        if os.path.isdir(src):
            if not recurse: raise IsADirectoryError('dbutils.fs.cp: %s is a directory; pass recurse=True' % from_)
            shutil.copytree(src, dst, dirs_exist_ok=True)
        else: shutil.copy2(src, dst)
        return True
    def mv(self, from_, to, recurse=False):
        src, dst = self._local(from_), self._local(to)
        if os.path.isdir(src) and not recurse: raise IsADirectoryError('dbutils.fs.mv: %s is a directory; pass recurse=True' % from_)
        os.makedirs(os.path.dirname(dst) or '.', exist_ok=True)
        shutil.move(src, dst)
        return True
    def rm(self, dir, recurse=False):
        local = self._local(dir)
        if not os.path.exists(local): return False
        if os.path.isdir(local):
            if recurse: shutil.rmtree(local)
            else: os.rmdir(local)
        else: os.remove(local)
        return True
    def mkdirs(self, dir):
        os.makedirs(self._local(dir), exist_ok=True)
        return True

FileInfo = collections.namedtuple('FileInfo', 'path name size modificationTime')
TASK_VALUE_MAX_BYTES = 48 * 1024

class _TaskValues:
    def set(self, key, value):
        if not isinstance(key, str): raise TypeError('taskValues.set: key must be a string, got %s' % type(key).__name__)
        try: encoded = json.dumps(value)
        except (TypeError, ValueError) as e: raise TypeError('taskValues.set(%r): value is not JSON-serialisable: %s' % (key, e)) from None
        if len(encoded.encode('utf-8')) > TASK_VALUE_MAX_BYTES:
            raise ValueError('taskValues.set(%r): value is %d bytes as JSON; the limit is 48 KiB' % (key, len(encoded.encode('utf-8'))))
        RPC.call('taskValues.set', key=key, value=value)
    def get(self, taskKey, key, default=None, debugValue=None):
        found = RPC.call('taskValues.get', taskKey=taskKey, key=key)
        if found.get('found'): return found.get('value')
        if default is None: raise ValueError('taskValues.get: task %r set no value %r in this job run and no default was given' % (taskKey, key))
        return default

class _Notebook:
    def exit(self, value): raise NotebookExit(value)
    def run(self, path, timeout_seconds=0, arguments=None):
        loaded = RPC.call('load', path=path, base=STATE[-1].path)
        old = signal.getitimer(signal.ITIMER_REAL)[0] if timeout_seconds else 0
        if timeout_seconds and not old:
            def _timeout(*_): raise TimeoutError('notebook %s timed out after %s seconds' % (path, timeout_seconds))
            signal.signal(signal.SIGALRM, _timeout)
            signal.setitimer(signal.ITIMER_REAL, float(timeout_seconds))
        STATE.append(Frame(loaded['path'], Widgets(arguments)))
        try:
            run_cells(loaded['cells'], namespace())
            return None
        except NotebookExit as e:
            return None if e.value is None else str(e.value)
        except Exception as e:
            raise WorkflowException('Notebook %s failed: %s: %s' % (loaded['path'], type(e).__name__, e)) from e
        finally:
            STATE.pop()
            if timeout_seconds and not old: signal.setitimer(signal.ITIMER_REAL, 0)

class _Jobs:
    taskValues = _TaskValues()

class _Secrets:
    """dbutils.secrets: values come from weir's secret store; weir redacts them from served logs and outputs."""
    def get(self, scope, key):
        if not isinstance(scope, str) or not isinstance(key, str): raise TypeError('secrets.get(scope, key): scope and key must be strings')
        return RPC.call('secrets.get', scope=scope, key=key)['value']
    def getBytes(self, scope, key): return self.get(scope, key).encode('utf-8')

class DBUtils:
    def __init__(self, root):
        self.widgets, self.notebook, self.jobs, self.fs = _CurrentWidgets(), _Notebook(), _Jobs(), _Fs(root)
        self.secrets = _Secrets()

def namespace():
    return {'__name__': '__main__', '__builtins__': __builtins__, 'spark': SPARK, 'dbutils': DBUTILS,
            'display': display, 'displayHTML': displayHTML, 'getArgument': lambda n, d=None: STATE[-1].widgets.getArgument(n, d),
            'AnalysisException': AnalysisException}

def substitute(sql, widgets):
    values = widgets.getAll()
    return re.sub(r'\$\{(\w+)\}', lambda m: values.get(m.group(1), m.group(0)), sql)

def run_cells(cells, ns):
    for cell in cells:
        kind, frame = cell['kind'], STATE[-1]
        if kind == 'python':
            name = '%s [cell %d]' % (frame.path, cell['index'])
            linecache.cache[name] = (len(cell['source']), None, cell['source'].splitlines(True), name)
            exec(compile(cell['source'], name, 'exec'), ns)
        elif kind == 'sql':
            df = DataFrame(RPC.call('sql', query=substitute(cell['source'], frame.widgets), params=frame.widgets.getAll()))
            if df.columns: df.show()
        elif kind == 'run':
            loaded = RPC.call('load', path=cell['path'], base=frame.path)
            STATE.append(Frame(loaded['path'], frame.widgets))
            try: run_cells(loaded['cells'], ns)
            finally: STATE.pop()
        elif cell.get('magic') == 'pip':
            print('weir: skipping %%pip cell %d of %s; install packages into the python3 weir uses' % (cell['index'], frame.path), file=sys.stderr)
        else:
            raise NotImplementedError('cell %d of %s uses %%%s, which weir notebooks do not support' % (cell['index'], frame.path, cell.get('magic')))

def _user_traceback(e):
    tb = e.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename == __file__: tb = tb.tb_next  # drop harness frames
    return ''.join(traceback.format_exception(type(e), e, tb))

def main():
    global RPC, SPARK, DBUTILS
    RPC = Rpc(3)
    start = RPC.call('start')
    SPARK, DBUTILS = Spark(), DBUtils(start['dbfsRoot'])
    STATE.append(Frame(start['path'], Widgets(start['widgets'])))
    try:
        run_cells(start['cells'], namespace())
        RPC.call('finish', status='SUCCESS', exitValue=None)
    except NotebookExit as e:
        RPC.call('finish', status='SUCCESS', exitValue=None if e.value is None else str(e.value))
    except SystemExit as e:
        if e.code in (None, 0): RPC.call('finish', status='SUCCESS', exitValue=None)
        else: RPC.call('finish', status='FAILED', error='SystemExit: %s' % e.code, trace=_user_traceback(e)); sys.exit(1)
    except BaseException as e:
        trace = _user_traceback(e)
        sys.stderr.write(trace)
        RPC.call('finish', status='FAILED', error='%s: %s' % (type(e).__name__, e), trace=trace)
        sys.exit(1)

if __name__ == '__main__':
    main()
