"""Wire compatibility of the Worker's hand-written protos with the official opentelemetry-proto.

Builds one export request of each signal with opentelemetry-proto's own generated classes, every
field set, sends it gzip-compressed in protobuf to a running Worker, reads the stored batch back
and compares it with opentelemetry-proto's own JSON of the same message (ids hex, as OTLP/JSON).
Usage: check.py URL (the Worker from run-local.sh). Exits non-zero on any difference.
"""
import json, urllib.request, gzip
from google.protobuf.json_format import MessageToDict
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2 as ts
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2 as ms
from opentelemetry.proto.collector.logs.v1 import logs_service_pb2 as ls
from opentelemetry.proto.common.v1 import common_pb2 as c

import os, sys
URL = sys.argv[1]
INGEST = os.environ.get("PRYX_TEST_INGEST_KEY", "test-ingest-key-0123456789")
READ = os.environ.get("PRYX_TEST_READ_KEY", "test-read-key-0123456789")
def kv(k, **v): return c.KeyValue(key=k, value=c.AnyValue(**v))
res = {"attributes":[kv("service.name", string_value="interop"), kv("n", int_value=5), kv("arr", array_value=c.ArrayValue(values=[c.AnyValue(bool_value=True), c.AnyValue(double_value=1.5)])), kv("b", bytes_value=b"\x01\x02")], "dropped_attributes_count": 3}

t = ts.ExportTraceServiceRequest()
rs = t.resource_spans.add(); rs.resource.CopyFrom(__import__("opentelemetry.proto.resource.v1.resource_pb2",fromlist=["x"]).Resource(**res)); rs.schema_url="s1"
ss = rs.scope_spans.add(); ss.scope.name="sc"; ss.scope.version="1"; ss.schema_url="s2"
sp = ss.spans.add(trace_id=bytes(range(1,17)), span_id=bytes(range(1,9)), parent_span_id=bytes(range(2,10)), trace_state="a=b", flags=257, name="op", kind=3, start_time_unix_nano=1, end_time_unix_nano=2, dropped_attributes_count=4, dropped_events_count=5, dropped_links_count=6)
sp.attributes.append(kv("k", string_value="v"))
ev = sp.events.add(time_unix_nano=3, name="ev", dropped_attributes_count=7); ev.attributes.append(kv("e", int_value=1))
ln = sp.links.add(trace_id=bytes(range(3,19)), span_id=bytes(range(3,11)), trace_state="x=y", dropped_attributes_count=8, flags=1)
sp.status.message="bad"; sp.status.code=2

m = ms.ExportMetricsServiceRequest()
rm = m.resource_metrics.add(); rm.resource.attributes.append(kv("service.name", string_value="interop"))
sm = rm.scope_metrics.add()
g = sm.metrics.add(name="g", description="d", unit="u"); p=g.gauge.data_points.add(time_unix_nano=9, start_time_unix_nano=8, as_double=2.5, flags=1); p.attributes.append(kv("a", string_value="b"))
ex=p.exemplars.add(time_unix_nano=1, as_int=3, span_id=bytes(range(1,9)), trace_id=bytes(range(1,17))); ex.filtered_attributes.append(kv("f", string_value="x"))
s = sm.metrics.add(name="s"); s.sum.aggregation_temporality=1; s.sum.is_monotonic=True; s.sum.data_points.add(as_int=-4)
h = sm.metrics.add(name="h"); h.histogram.aggregation_temporality=2; h.histogram.data_points.add(count=3, sum=1.5, bucket_counts=[1,2], explicit_bounds=[1.0], min=0.1, max=1.0, flags=0)
e = sm.metrics.add(name="e"); ep = e.exponential_histogram.data_points.add(count=2, sum=1.0, scale=-2, zero_count=1, zero_threshold=0.5, min=0.0, max=2.0); ep.positive.offset=-3; ep.positive.bucket_counts.extend([1,1]); ep.negative.offset=2
su = sm.metrics.add(name="su"); sp2 = su.summary.data_points.add(count=5, sum=10.0); sp2.quantile_values.add(quantile=0.5, value=2.0)
sm.metrics[0].metadata.append(kv("meta", string_value="m"))

l = ls.ExportLogsServiceRequest()
rl = l.resource_logs.add(); rl.resource.attributes.append(kv("service.name", string_value="interop"))
lr = rl.scope_logs.add().log_records.add(time_unix_nano=1, observed_time_unix_nano=2, severity_number=17, severity_text="ERROR", dropped_attributes_count=1, flags=1, trace_id=bytes(range(1,17)), span_id=bytes(range(1,9)), event_name="evn")
lr.body.kvlist_value.values.append(kv("msg", string_value="hi"))

def hexify(d):
    if isinstance(d, list): return [hexify(x) for x in d]
    if isinstance(d, dict):
        import base64
        return {k: (base64.b64decode(v).hex() if k in ("traceId","spanId","parentSpanId") else hexify(v)) for k,v in d.items()}
    return d

failed = False
for sig, msg in (("traces", t), ("metrics", m), ("logs", l)):
    body = msg.SerializeToString()
    req = urllib.request.Request(f"{URL}/v1/{sig}", data=gzip.compress(body), method="POST", headers={"content-type":"application/x-protobuf","content-encoding":"gzip","authorization": f"Bearer {INGEST}"})
    r = urllib.request.urlopen(req); assert r.status == 200, r.status
    rb = json.load(urllib.request.urlopen(urllib.request.Request(f"{URL}/v1/batches?signal={sig}&limit=1", headers={"authorization": f"Bearer {READ}"})))
    stored = rb["batches"][0]["request"]
    expected = hexify(MessageToDict(msg, use_integers_for_enums=True))
    # python's MessageToDict writes int64 as strings and omits defaults, like bufbuild's toJson
    if stored != expected:  # parsed JSON: 1 and 1.0 compare equal
        print(sig, "MISMATCH"); print(json.dumps(stored, sort_keys=True)); print(json.dumps(expected, sort_keys=True))
        failed = True
    else:
        print(sig, "identical to opentelemetry-proto's own JSON of the same message")
sys.exit(1 if failed else 0)
