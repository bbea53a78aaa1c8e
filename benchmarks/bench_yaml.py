import time, glob, yaml
from cio_connector import yamlsource as ys
files = ["connector.yaml"] + sorted(glob.glob("actions/*.yaml"))
texts = {f: open(f).read() for f in files}
# old loader
class Old(yaml.SafeLoader): pass
Old.yaml_implicit_resolvers = {k: [(t, r) for t, r in v if t != "tag:yaml.org,2002:timestamp"] for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}
def old_load(text, source):
    loader = Old(text); node = loader.get_single_node(); pos = {}
    def idx(node, path):
        pos[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value: idx(v, (*path, k.value))
        elif isinstance(node, yaml.SequenceNode):
            for i, it in enumerate(node.value): idx(it, (*path, i))
    idx(node, ()); data = loader.construct_document(node); loader.dispose(); return data, pos
for f, t in texts.items():
    d, p = old_load(t, f); n = ys.load_yaml(t, f); m = ys.load_yaml(t, f, loader=ys._PyLoader)
    assert d == n.data == m.data, f; assert p == dict(n.positions) == dict(m.positions), (f, set(p.items()) ^ set(n.positions.items()))
def bench(fn, reps=30):
    t = time.perf_counter()
    for _ in range(reps):
        for f, x in texts.items(): fn(x, f)
    return (time.perf_counter() - t) / reps
a = bench(old_load); b = bench(lambda x, f: ys.load_yaml(x, f, loader=ys._PyLoader)); c = bench(ys.load_yaml)
print(f"7 manifests, {sum(map(len, texts.values()))} chars: before (PyYAML SafeLoader) {a*1000:.1f} ms; after, pure-Python events {b*1000:.1f} ms; after, libyaml CSafeLoader {c*1000:.1f} ms; speed-up {a/c:.1f}x")
