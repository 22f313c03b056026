"""Drive lbb-emulator with the official Tencent Cloud and Huawei Cloud Python SDKs.

Run by `cargo xtask official-sdks` (which makes the venv, installs requirements.txt and
starts the emulator): python drive.py http://127.0.0.1:PORT

Every call is made as a user of the SDK would make it, with only the endpoint pointed
at the emulator (http on loopback) and the emulator's demo credentials. Each step
prints PASS or FAIL (with what differed); the exit status is 1 on any FAIL.
"""

import json
import os
import sys
import time
import traceback
import warnings
from urllib.parse import urlparse

# Emulator-only demo credentials (crates/emulator/src/{huawei,tencent}/mod.rs).
HW_AK = "EMULATORACCESSKEY000"
HW_SK = "emulator-secret-key-do-not-use-in-prod"
HW_PROJECT = "0123456789abcdef0123456789abcdef"
TC_ID = "AKIDEMULATOR0000000000000000000000000"
TC_KEY = "emulator-tencent-key-do-not-use-in-prod"
TC_REGION = "ap-guangzhou"

# Demo fleet ids (crates/emulator/src/fleet).
CLB_STANDARD = "lb-std00001"
CLB_CLASSIC = "lb-cls00001"
CLB_TCP = "lbl-tcp00001"
CLB_UDP = "lbl-udp00001"
CLB_HTTP = "lbl-http0001"
CLB_RULE_STATIC = "loc-rule0002"
BMLB_LB = "lb-abcdefgh"
BMLB_L4 = "lbl-bml4tcp1"
ELB_POOL = "36ce7086-a496-4666-9064-5ba0e6840c75"  # 6 members
ELB_SUBNET = "c09f620e-3492-4429-ac15-445d5dd9ca74"
APIG_INSTANCE = "eddc4d25480b4cd6b512f270a1b8b341"
APIG_CHANNEL = "56a7d7358e1b42459c9d730d65b14e59"  # 3 members

RESULTS = []

# Response bodies whose every key was checked against the SDK models
# (tests/fixtures/tencent3/README.md): the emulator must send every key they hold.
FIXTURES = [
    os.environ.get("LBB_TENCENT3_FIXTURES", ""),
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "fixtures", "tencent3"),
]


def key_paths(value, prefix=""):
    """Every key path of a JSON document, list indexes collapsed to `[]`."""
    out = set()
    if isinstance(value, dict):
        for k, v in value.items():
            out.add(prefix + k)
            out |= key_paths(v, prefix + k + ".")
    elif isinstance(value, list):
        for v in value:
            out |= key_paths(v, prefix.rstrip(".") + "[].")
    return out


def fixture(name):
    for d in FIXTURES:
        if d and os.path.exists(os.path.join(d, name)):
            with open(os.path.join(d, name)) as f:
                return json.load(f)["Response"]
    return None


def huawei_extra_keys(value, model, module, path="$"):
    """Keys of a Huawei response body that its SDK model does not have (the cloud never
    sends a key outside the model), walking nested models."""
    if value is None or model is None:
        return []
    if isinstance(model, str):
        if model.startswith("list["):
            inner = model[5:-1]
            return [x for i, v in enumerate(value or []) for x in huawei_extra_keys(v, inner, module, f"{path}[{i}]")]
        model = getattr(module, model, None)
        if model is None:
            return []
    if not isinstance(value, dict):
        return [f"{path}: {type(value).__name__} where the model has an object"]
    by_json = {j: a for a, j in model.attribute_map.items()}
    out = []
    for k, v in value.items():
        if k not in by_json:
            out.append(f"{path}.{k}")
        else:
            out += huawei_extra_keys(v, model.openapi_types[by_json[k]], module, f"{path}.{k}")
    return out


def step(name):
    """Decorator: run a step, record PASS/FAIL; an exception is a FAIL with its text."""

    def wrap(fn):
        def run(*args):
            try:
                problem = fn(*args)
            except Exception as e:  # noqa: BLE001 - every SDK error is a FAIL to report
                problem = f"{type(e).__name__}: {e}"
                if "-v" in sys.argv:
                    traceback.print_exc()
            ok = not problem
            RESULTS.append((name, ok))
            print(f"{'PASS' if ok else 'FAIL'}  {name}" + ("" if ok else f"\n      {problem}"))
            sys.stdout.flush()
            return ok

        return run

    return wrap


def differ(what, got, want):
    return None if got == want else f"{what}: got {got!r}, want {want!r}"


# ---------------------------------------------------------------- Tencent API 3.0


def tencent(base):
    from tencentcloud.clb.v20180317 import clb_client, models
    from tencentcloud.common import credential
    from tencentcloud.common.profile.client_profile import ClientProfile
    from tencentcloud.common.profile.http_profile import HttpProfile

    cred = credential.Credential(TC_ID, TC_KEY)
    http = HttpProfile(protocol="http", endpoint=urlparse(base).netloc)
    client = clb_client.ClbClient(cred, TC_REGION, ClientProfile(httpProfile=http))

    def req(cls, **params):
        r = cls()
        r.from_json_string(json.dumps(params))
        return r

    class Strict:
        """The client, but a response key the SDK model lacks (its `fileds are useless`
        warning) raises: the cloud sends only the model's keys."""

        def __getattr__(self, action):
            method = getattr(raw_client, action)

            def call(request):
                with warnings.catch_warnings(record=True) as seen:
                    warnings.simplefilter("always")
                    resp = method(request)
                useless = [str(w.message) for w in seen if "useless" in str(w.message)]
                if useless:
                    raise AssertionError(f"{action}: keys outside the SDK model: {useless}")
                return resp

            return call

    raw_client = client
    client = Strict()

    def same_keys(action, fixture_name, params):
        want = fixture(fixture_name)
        if want is None:
            return f"fixture {fixture_name} not found (set LBB_TENCENT3_FIXTURES)"
        got = raw_client.call_json(action, params)["Response"]
        missing = sorted(key_paths(want) - key_paths(got))
        return f"keys the cloud sends that the emulator does not: {missing}" if missing else None

    def targets_of(lb, listener):
        resp = client.DescribeTargets(
            req(models.DescribeTargetsRequest, LoadBalancerId=lb, ListenerIds=[listener])
        )
        out = {}
        for l in resp.Listeners:
            for t in l.Targets or []:
                key = t.InstanceId or (t.PrivateIpAddresses or [""])[0]
                out[(key, t.Port)] = t.Weight
        return out

    def wait(task):
        for _ in range(100):
            r = client.DescribeTaskStatus(req(models.DescribeTaskStatusRequest, TaskId=task))
            if r.Status == 0:
                return None
            if r.Status != 2:
                return f"task {task} status {r.Status}"
            time.sleep(0.05)
        return f"task {task} still in progress"

    @step("tencent DescribeLoadBalancers (standard and classic)")
    def describe_lbs():
        r = client.DescribeLoadBalancers(
            req(models.DescribeLoadBalancersRequest, LoadBalancerIds=[CLB_STANDARD, CLB_CLASSIC])
        )
        got = sorted((lb.LoadBalancerId, lb.Forward) for lb in r.LoadBalancerSet)
        return differ("(id, Forward)", got, [(CLB_CLASSIC, 0), (CLB_STANDARD, 1)]) or differ(
            "TotalCount", r.TotalCount, 2
        )

    @step("tencent DescribeTargets (standard CLB, all listeners)")
    def describe_targets():
        r = client.DescribeTargets(req(models.DescribeTargetsRequest, LoadBalancerId=CLB_STANDARD))
        listeners = sorted(l.ListenerId for l in r.Listeners)
        n = sum(len(l.Targets or []) for l in r.Listeners) + sum(
            len(rule.Targets or []) for l in r.Listeners for rule in (l.Rules or [])
        )
        return differ("listeners", listeners, ["lbl-http0001", "lbl-tcp00001", "lbl-udp00001"]) or differ(
            "targets", n, 6
        )

    @step("tencent DescribeTargetHealth (standard CLB)")
    def describe_health():
        r = client.DescribeTargetHealth(
            req(models.DescribeTargetHealthRequest, LoadBalancerIds=[CLB_STANDARD])
        )
        lbs = [lb.LoadBalancerId for lb in r.LoadBalancers]
        n = sum(
            len(rule.Targets or []) for lb in r.LoadBalancers for l in lb.Listeners for rule in l.Rules
        )
        return differ("load balancers", lbs, [CLB_STANDARD]) or differ("targets", n, 6)

    new = ("ins-eeee5555", 8081)
    moved = (new[0], 8082)

    @step("tencent RegisterTargets (TCP listener) + DescribeTaskStatus + DescribeTargets")
    def register():
        r = client.RegisterTargets(
            req(
                models.RegisterTargetsRequest,
                LoadBalancerId=CLB_STANDARD,
                ListenerId=CLB_TCP,
                Targets=[{"InstanceId": new[0], "Port": new[1], "Weight": 20}],
            )
        )
        return wait(r.RequestId) or differ(
            "new target's weight", targets_of(CLB_STANDARD, CLB_TCP).get(new), 20
        )

    @step("tencent ModifyTargetWeight + DescribeTaskStatus + DescribeTargets")
    def modify():
        r = client.ModifyTargetWeight(
            req(
                models.ModifyTargetWeightRequest,
                LoadBalancerId=CLB_STANDARD,
                ListenerId=CLB_TCP,
                Targets=[{"InstanceId": new[0], "Port": new[1]}],
                Weight=35,
            )
        )
        return wait(r.RequestId) or differ(
            "target's weight", targets_of(CLB_STANDARD, CLB_TCP).get(new), 35
        )

    @step("tencent DeregisterTargets + DescribeTaskStatus + DescribeTargets")
    def deregister():
        before = targets_of(CLB_STANDARD, CLB_TCP)
        r = client.DeregisterTargets(
            req(
                models.DeregisterTargetsRequest,
                LoadBalancerId=CLB_STANDARD,
                ListenerId=CLB_TCP,
                Targets=[{"InstanceId": moved[0], "Port": moved[1]}],
            )
        )
        before.pop(moved, None)
        return wait(r.RequestId) or differ("targets", targets_of(CLB_STANDARD, CLB_TCP), before)

    @step("tencent ModifyTargetPort + DescribeTaskStatus + DescribeTargets")
    def modify_port():
        r = client.ModifyTargetPort(
            req(
                models.ModifyTargetPortRequest,
                LoadBalancerId=CLB_STANDARD,
                ListenerId=CLB_TCP,
                Targets=[{"InstanceId": new[0], "Port": new[1]}],
                NewPort=8082,
            )
        )
        problem = wait(r.RequestId)
        got = targets_of(CLB_STANDARD, CLB_TCP)
        return problem or differ("moved target", (got.get(new), got.get(moved)), (None, 35))

    @step("tencent BatchRegisterTargets (two listeners and a missing one: FailListenerIdSet) + DescribeTaskStatus")
    def batch_register():
        r = client.BatchRegisterTargets(
            req(
                models.BatchRegisterTargetsRequest,
                LoadBalancerId=CLB_STANDARD,
                Targets=[
                    {"ListenerId": CLB_TCP, "Port": 9100, "EniIp": "10.0.5.1", "Weight": 7},
                    {"ListenerId": CLB_UDP, "Port": 9100, "EniIp": "10.0.5.2"},
                    {"ListenerId": CLB_HTTP, "LocationId": CLB_RULE_STATIC, "Port": 9100, "InstanceId": "ins-bbbb9999"},
                    {"ListenerId": "lbl-nothere1", "Port": 9100, "EniIp": "10.0.5.3"},
                ],
            )
        )
        return (
            differ("FailListenerIdSet", r.FailListenerIdSet, ["lbl-nothere1"])
            or wait(r.RequestId)
            or differ("new TCP target", targets_of(CLB_STANDARD, CLB_TCP).get(("10.0.5.1", 9100)), 7)
        )

    @step("tencent BatchModifyTargetWeight + DescribeTaskStatus")
    def batch_weight():
        r = client.BatchModifyTargetWeight(
            req(
                models.BatchModifyTargetWeightRequest,
                LoadBalancerId=CLB_STANDARD,
                ModifyList=[
                    {"ListenerId": CLB_TCP, "Targets": [{"EniIp": "10.0.5.1", "Port": 9100}], "Weight": 55},
                    {"ListenerId": CLB_UDP, "Targets": [{"EniIp": "10.0.5.2", "Port": 9100, "Weight": 56}]},
                ],
            )
        )
        return wait(r.RequestId) or differ(
            "weights",
            (
                targets_of(CLB_STANDARD, CLB_TCP).get(("10.0.5.1", 9100)),
                targets_of(CLB_STANDARD, CLB_UDP).get(("10.0.5.2", 9100)),
            ),
            (55, 56),
        )

    @step("tencent BatchDeregisterTargets + DescribeTaskStatus")
    def batch_deregister():
        r = client.BatchDeregisterTargets(
            req(
                models.BatchDeregisterTargetsRequest,
                LoadBalancerId=CLB_STANDARD,
                Targets=[
                    {"ListenerId": CLB_TCP, "Port": 9100, "EniIp": "10.0.5.1"},
                    {"ListenerId": CLB_UDP, "Port": 9100, "EniIp": "10.0.5.2"},
                    {"ListenerId": CLB_HTTP, "LocationId": CLB_RULE_STATIC, "Port": 9100, "InstanceId": "ins-bbbb9999"},
                ],
            )
        )
        return (
            differ("FailListenerIdSet", r.FailListenerIdSet, [])
            or wait(r.RequestId)
            or differ("gone", targets_of(CLB_STANDARD, CLB_TCP).get(("10.0.5.1", 9100)), None)
        )

    @step("tencent RegisterTargetsWithClassicalLB + DeregisterTargetsFromClassicalLB (classic CLB) + tasks")
    def classic_writes():
        def ids():
            r = client.DescribeClassicalLBTargets(
                req(models.DescribeClassicalLBTargetsRequest, LoadBalancerId=CLB_CLASSIC)
            )
            return {t.InstanceId: t.Weight for t in r.Targets or []}

        r = client.RegisterTargetsWithClassicalLB(
            req(
                models.RegisterTargetsWithClassicalLBRequest,
                LoadBalancerId=CLB_CLASSIC,
                Targets=[{"InstanceId": "ins-clssdk01", "Weight": 21}],
            )
        )
        problem = wait(r.RequestId) or differ("classic weight", ids().get("ins-clssdk01"), 21)
        if problem:
            return problem
        r = client.DeregisterTargetsFromClassicalLB(
            req(
                models.DeregisterTargetsFromClassicalLBRequest,
                LoadBalancerId=CLB_CLASSIC,
                InstanceIds=["ins-clssdk01"],
            )
        )
        return wait(r.RequestId) or differ("classic gone", "ins-clssdk01" in ids(), False)

    @step("tencent BMLB (CommonClient bmlb 2018-06-25): DescribeL4Backends, BindL4Backends, DescribeLoadBalancerTaskResult, UnbindL4Backends")
    def bmlb_l4():
        from tencentcloud.common.common_client import CommonClient

        bm = CommonClient("bmlb", "2018-06-25", cred, TC_REGION, ClientProfile(httpProfile=http))

        def backends():
            r = bm.call_json(
                "DescribeL4Backends", {"LoadBalancerId": BMLB_LB, "ListenerId": BMLB_L4}
            )["Response"]
            return {(b["InstanceId"], b["Port"]): (b["BindType"], b["Weight"]) for b in r["BackendSet"]}

        def bm_wait(task):
            for _ in range(100):
                st = bm.call_json("DescribeLoadBalancerTaskResult", {"TaskId": task})["Response"]["Status"]
                if st == 0:
                    return None
                if st != 2:
                    return f"task {task} status {st}"
                time.sleep(0.05)
            return f"task {task} still in progress"

        problem = differ("bindings", len(backends()), 2)
        if problem:
            return problem
        r = bm.call_json(
            "BindL4Backends",
            {
                "LoadBalancerId": BMLB_LB,
                "ListenerId": BMLB_L4,
                "BindType": 1,
                "BackendSet": [{"InstanceId": "10.3.0.99", "Port": 9001, "Weight": 9}],
            },
        )["Response"]
        problem = bm_wait(r["TaskId"]) or differ("bound", backends().get(("10.3.0.99", 9001)), (1, 9))
        if problem:
            return problem
        r = bm.call_json(
            "UnbindL4Backends",
            {
                "LoadBalancerId": BMLB_LB,
                "ListenerId": BMLB_L4,
                "BindType": 1,
                "BackendSet": [{"InstanceId": "10.3.0.99", "Port": 9001}],
            },
        )["Response"]
        return bm_wait(r["TaskId"]) or differ("unbound", backends().get(("10.3.0.99", 9001)), None)

    @step("tencent error: DescribeTargets of an unknown CLB raises the cloud's code")
    def unknown():
        from tencentcloud.common.exception.tencent_cloud_sdk_exception import (
            TencentCloudSDKException,
        )

        try:
            client.DescribeTargets(req(models.DescribeTargetsRequest, LoadBalancerId="lb-nothere1"))
        except TencentCloudSDKException as e:
            return None if e.get_code().startswith("InvalidParameter") else f"code {e.get_code()}"
        return "no error"

    get_http = HttpProfile(protocol="http", endpoint=urlparse(base).netloc, reqMethod="GET")
    get_client = clb_client.ClbClient(cred, TC_REGION, ClientProfile(httpProfile=get_http))

    @step("tencent GET (reqMethod=GET): DescribeTargets, ModifyTargetWeight, DescribeTaskStatus")
    def get_method():
        listed = get_client.DescribeTargets(
            req(models.DescribeTargetsRequest, LoadBalancerId=CLB_STANDARD, ListenerIds=[CLB_TCP])
        )
        got = {(t.InstanceId or t.PrivateIpAddresses[0], t.Port): t.Weight for l in listed.Listeners for t in l.Targets}
        problem = differ("targets over GET", got, targets_of(CLB_STANDARD, CLB_TCP))
        if problem:
            return problem
        (key, port), weight = sorted(got.items())[-1]
        r = get_client.ModifyTargetWeight(
            req(
                models.ModifyTargetWeightRequest,
                LoadBalancerId=CLB_STANDARD,
                ListenerId=CLB_TCP,
                Targets=[{"InstanceId": key, "Port": port, "Weight": weight + 1}],
            )
        )
        for _ in range(100):
            status = get_client.DescribeTaskStatus(req(models.DescribeTaskStatusRequest, TaskId=r.RequestId)).Status
            if status != 2:
                break
            time.sleep(0.05)
        return differ("task status", status, 0) or differ(
            "weight after GET ModifyTargetWeight", targets_of(CLB_STANDARD, CLB_TCP).get((key, port)), weight + 1
        )

    @step("tencent signature v1 (signMethod HmacSHA256 form POST, HmacSHA1 GET): DescribeTargets, ModifyTargetWeight")
    def signature_v1():
        for method, sign in (("POST", "HmacSHA256"), ("GET", "HmacSHA1")):
            h = HttpProfile(protocol="http", endpoint=urlparse(base).netloc, reqMethod=method)
            c = clb_client.ClbClient(cred, TC_REGION, ClientProfile(httpProfile=h, signMethod=sign))
            listed = c.DescribeTargets(
                req(models.DescribeTargetsRequest, LoadBalancerId=CLB_STANDARD, ListenerIds=[CLB_TCP])
            )
            got = {(t.InstanceId or t.PrivateIpAddresses[0], t.Port): t.Weight for l in listed.Listeners for t in l.Targets}
            problem = differ(f"targets over {method} {sign}", got, targets_of(CLB_STANDARD, CLB_TCP))
            if problem:
                return problem
            (key, port), weight = sorted(got.items())[-1]
            r = c.ModifyTargetWeight(
                req(
                    models.ModifyTargetWeightRequest,
                    LoadBalancerId=CLB_STANDARD,
                    ListenerId=CLB_TCP,
                    Targets=[{"InstanceId": key, "Port": port}],
                    Weight=weight + 1,
                )
            )
            problem = wait(r.RequestId) or differ(
                f"weight after {method} {sign} ModifyTargetWeight",
                targets_of(CLB_STANDARD, CLB_TCP).get((key, port)),
                weight + 1,
            )
            if problem:
                return problem
        return None

    @step("tencent a wrong SecretKey is refused: AuthFailure.SignatureFailure")
    def wrong_key():
        from tencentcloud.common.exception.tencent_cloud_sdk_exception import (
            TencentCloudSDKException,
        )

        bad = clb_client.ClbClient(
            credential.Credential(TC_ID, TC_KEY + "x"), TC_REGION, ClientProfile(httpProfile=http)
        )
        try:
            bad.DescribeLoadBalancers(req(models.DescribeLoadBalancersRequest))
        except TencentCloudSDKException as e:
            return differ("code", e.get_code(), "AuthFailure.SignatureFailure")
        return "no error"

    @step("tencent DescribeTargets body has every key of the SDK-checked fixture")
    def targets_shape():
        return same_keys("DescribeTargets", "clb_describe_targets.json", {"LoadBalancerId": CLB_STANDARD})

    @step("tencent DescribeTargetHealth body has every key of the SDK-checked fixture")
    def health_shape():
        return same_keys(
            "DescribeTargetHealth", "clb_describe_target_health.json", {"LoadBalancerIds": [CLB_STANDARD]}
        )

    @step("tencent DescribeClassicalLBTargets (classic CLB) + fixture keys")
    def classic_targets():
        r = client.DescribeClassicalLBTargets(
            req(models.DescribeClassicalLBTargetsRequest, LoadBalancerId=CLB_CLASSIC)
        )
        return differ("targets", len(r.Targets or []), 2) or same_keys(
            "DescribeClassicalLBTargets", "clb_describe_classical_lb_targets.json", {"LoadBalancerId": CLB_CLASSIC}
        )

    @step("tencent DescribeClassicalLBHealthStatus (classic CLB) + fixture keys")
    def classic_health():
        r = client.DescribeClassicalLBHealthStatus(
            req(models.DescribeClassicalLBHealthStatusRequest, LoadBalancerId=CLB_CLASSIC)
        )
        return differ("statuses", len(r.HealthList or []), 2) or same_keys(
            "DescribeClassicalLBHealthStatus",
            "clb_describe_classical_lb_health_status.json",
            {"LoadBalancerId": CLB_CLASSIC},
        )

    for s in (
        describe_lbs,
        describe_targets,
        describe_health,
        register,
        modify,
        modify_port,
        deregister,
        batch_register,
        batch_weight,
        batch_deregister,
        classic_writes,
        bmlb_l4,
        unknown,
        get_method,
        signature_v1,
        wrong_key,
        targets_shape,
        health_shape,
        classic_targets,
        classic_health,
    ):
        s()


# ---------------------------------------------------------------- Huawei


def huawei(base):
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkcore.http.http_config import HttpConfig

    cred = BasicCredentials(HW_AK, HW_SK, HW_PROJECT)
    config = HttpConfig.get_default_config()

    def build(cls):
        return cls.new_builder().with_http_config(config).with_credentials(cred).with_endpoints([base]).build()

    def strict(resp, module):
        """FAIL on a body key outside the response's SDK model."""
        body = json.loads(resp.raw_content or b"{}")
        extra = huawei_extra_keys(body, type(resp), module)
        if extra:
            raise AssertionError(f"{type(resp).__name__}: keys outside the SDK model: {extra}")
        return resp

    from huaweicloudsdkelb.v3 import (
        CreateMemberOption,
        CreateMemberRequest,
        CreateMemberRequestBody,
        DeleteMemberRequest,
        ElbClient,
        ListMembersRequest,
        ShowMemberRequest,
        UpdateMemberOption,
        UpdateMemberRequest,
        UpdateMemberRequestBody,
    )

    import huaweicloudsdkelb.v3 as elb_models

    elb = build(ElbClient)

    def all_members(limit):
        out, marker, pages = [], None, 0
        while True:
            r = strict(elb.list_members(ListMembersRequest(pool_id=ELB_POOL, limit=limit, marker=marker)), elb_models)
            pages += 1
            out += r.members
            if len(r.members) < limit or pages > 100:
                return out, pages
            marker = r.members[-1].id

    state = {}

    @step("huawei ELB list_members with paging (limit 4 < 6 members)")
    def list_paged():
        members, pages = all_members(4)
        state["before"] = {m.id: m.weight for m in members}
        return differ("members", len(members), 6) or differ("pages", pages, 2) or differ(
            "distinct ids", len(state["before"]), 6
        )

    @step("huawei ELB create_member")
    def create():
        r = strict(elb.create_member(
            CreateMemberRequest(
                pool_id=ELB_POOL,
                body=CreateMemberRequestBody(
                    member=CreateMemberOption(
                        address="10.0.1.77", protocol_port=8077, subnet_cidr_id=ELB_SUBNET, weight=7, name="sdk-made"
                    )
                ),
            )
        ), elb_models)
        state["id"] = r.member.id
        members, _ = all_members(4)
        got = {m.id: m.weight for m in members}
        want = dict(state["before"], **{r.member.id: 7})
        return differ("created (address, port, weight)", (r.member.address, r.member.protocol_port, r.member.weight), ("10.0.1.77", 8077, 7)) or differ("listing after create", got, want)

    @step("huawei ELB update_member (weight)")
    def update():
        r = strict(elb.update_member(
            UpdateMemberRequest(
                pool_id=ELB_POOL,
                member_id=state["id"],
                body=UpdateMemberRequestBody(member=UpdateMemberOption(weight=42)),
            )
        ), elb_models)
        return differ("weight in answer", r.member.weight, 42)

    @step("huawei ELB show_member")
    def show():
        r = strict(elb.show_member(ShowMemberRequest(pool_id=ELB_POOL, member_id=state["id"])), elb_models)
        return differ("(id, weight, name)", (r.member.id, r.member.weight, r.member.name), (state["id"], 42, "sdk-made"))

    @step("huawei ELB delete_member + list_members agrees")
    def delete():
        elb.delete_member(DeleteMemberRequest(pool_id=ELB_POOL, member_id=state["id"]))
        members, _ = all_members(4)
        return differ("listing after delete", {m.id: m.weight for m in members}, state["before"])

    @step("huawei ELB show_member of a deleted member raises 404")
    def show_gone():
        from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException

        try:
            elb.show_member(ShowMemberRequest(pool_id=ELB_POOL, member_id=state["id"]))
        except ClientRequestException as e:
            return differ("(status, error_code)", (e.status_code, e.error_code), (404, "ELB.8904"))
        return "no error"

    @step("huawei ELB create_member of an address:port already in the pool raises 409")
    def duplicate():
        from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException

        try:
            elb.create_member(
                CreateMemberRequest(
                    pool_id=ELB_POOL,
                    body=CreateMemberRequestBody(
                        member=CreateMemberOption(address="10.0.1.10", protocol_port=80, subnet_cidr_id=ELB_SUBNET)
                    ),
                )
            )
        except ClientRequestException as e:
            return differ("(status, error_code)", (e.status_code, e.error_code), (409, "ELB.8907"))
        return "no error"

    @step("huawei a wrong SK is refused: 401")
    def wrong_sk():
        from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException

        bad = (
            ElbClient.new_builder()
            .with_http_config(config)
            .with_credentials(BasicCredentials(HW_AK, HW_SK + "x", HW_PROJECT))
            .with_endpoints([base])
            .build()
        )
        try:
            bad.list_members(ListMembersRequest(pool_id=ELB_POOL, limit=1))
        except ClientRequestException as e:
            return differ("status", e.status_code, 401)
        return "no error"

    @step("huawei VPC list_ports")
    def ports():
        import huaweicloudsdkvpc.v2 as vpc_models
        from huaweicloudsdkvpc.v2 import ListPortsRequest, VpcClient

        r = strict(build(VpcClient).list_ports(ListPortsRequest(limit=2000)), vpc_models)
        addrs = {ip.ip_address for p in r.ports for ip in (p.fixed_ips or [])}
        missing = {"10.0.1.10", "10.0.1.11"} - addrs
        return f"ports missing the ELB members' addresses {sorted(missing)}" if missing else None

    @step("huawei APIG list_backend_instances_v2 (VPC channel members, paged)")
    def apig():
        import huaweicloudsdkapig.v2 as apig_models
        from huaweicloudsdkapig.v2 import ApigClient, ListBackendInstancesV2Request

        c = build(ApigClient)
        seen, offset = [], 0
        while True:
            r = strict(c.list_backend_instances_v2(
                ListBackendInstancesV2Request(
                    instance_id=APIG_INSTANCE, vpc_channel_id=APIG_CHANNEL, offset=offset, limit=2
                )
            ), apig_models)
            seen += r.members
            offset += len(r.members)
            if not r.members or offset >= r.total:
                break
        return differ("members", len(seen), 3) or differ("distinct", len({m.id for m in seen}), 3)

    @step("huawei APIG adding_backend_instances_v2 (upsert by address) + delete_backend_instance_v2")
    def apig_write():
        import huaweicloudsdkapig.v2 as apig_models
        from huaweicloudsdkapig.v2 import (
            AddingBackendInstancesV2Request,
            ApigClient,
            DeleteBackendInstanceV2Request,
            ListBackendInstancesV2Request,
            MemberInfo,
            VpcMemberCreate,
        )

        c = build(ApigClient)

        def listed():
            r = strict(
                c.list_backend_instances_v2(
                    ListBackendInstancesV2Request(instance_id=APIG_INSTANCE, vpc_channel_id=APIG_CHANNEL, limit=500)
                ),
                apig_models,
            )
            return {m.host: (m.id, m.weight) for m in r.members}

        before = listed()

        def add(weight):
            r = strict(
                c.adding_backend_instances_v2(
                    AddingBackendInstancesV2Request(
                        instance_id=APIG_INSTANCE,
                        vpc_channel_id=APIG_CHANNEL,
                        body=VpcMemberCreate(members=[MemberInfo(host="192.168.7.7", weight=weight, port=8080)]),
                    )
                ),
                apig_models,
            )
            return [m for m in r.members if m.host == "192.168.7.7"]

        first, again = add(3), add(4)
        if len(first) != 1 or len(again) != 1:
            return f"answers hold the new member {len(first)} and {len(again)} times"
        after = listed()
        problem = differ("same id on the second add (an upsert)", again[0].id, first[0].id) or differ(
            "listed weight after the upsert", after.get("192.168.7.7"), (first[0].id, 4)
        )
        if problem:
            return problem
        c.delete_backend_instance_v2(
            DeleteBackendInstanceV2Request(instance_id=APIG_INSTANCE, vpc_channel_id=APIG_CHANNEL, member_id=first[0].id)
        )
        return differ("listing after delete", listed(), before)

    @step("huawei ELB batch_create_members twice (successful, then existed) + batch_delete_members by address (successful, then not found)")
    def batch():
        from huaweicloudsdkelb.v3 import (
            BatchCreateMembersOption,
            BatchCreateMembersRequest,
            BatchCreateMembersRequestBody,
            BatchDeleteMembersOption,
            BatchDeleteMembersRequest,
            BatchDeleteMembersRequestBody,
        )

        def add():
            body = BatchCreateMembersRequestBody(members=[
                BatchCreateMembersOption(address="10.0.1.78", protocol_port=p, subnet_cidr_id=ELB_SUBNET, weight=3)
                for p in (8078, 8079)
            ])
            r = strict(elb.batch_create_members(BatchCreateMembersRequest(pool_id=ELB_POOL, body=body)), elb_models)
            return [m.ret_status for m in r.members]

        def delete():
            body = BatchDeleteMembersRequestBody(members=[
                BatchDeleteMembersOption(address="10.0.1.78", protocol_port=p) for p in (8078, 8079)
            ])
            r = strict(elb.batch_delete_members(BatchDeleteMembersRequest(pool_id=ELB_POOL, body=body)), elb_models)
            return [m.ret_status for m in r.members]

        return (
            differ("first add", add(), ["successful"] * 2)
            or differ("second add", add(), ["existed"] * 2)
            or differ("first delete", delete(), ["successful"] * 2)
            or differ("second delete", delete(), ["not found"] * 2)
            or differ("listing after", {m.id: m.weight for m in all_members(4)[0]}, state["before"])
        )

    @step("huawei ELB show_pool")
    def pool():
        from huaweicloudsdkelb.v3 import ShowPoolRequest

        r = strict(elb.show_pool(ShowPoolRequest(pool_id=ELB_POOL)), elb_models)
        return differ("(id, member count)", (r.pool.id, len(r.pool.members)), (ELB_POOL, 6))

    @step("huawei ELB create_member_health_check_job + show_member_health_check_job until processed")
    def check_job():
        from huaweicloudsdkelb.v3 import (
            CreateMemberHealthCheckJobOption,
            CreateMemberHealthCheckJobRequest,
            CreateMemberHealthCheckJobRequestBody,
            ShowMemberHealthCheckJobRequest,
        )

        member = next(iter(state["before"]))
        r = strict(elb.create_member_health_check_job(CreateMemberHealthCheckJobRequest(
            member_id=member,
            body=CreateMemberHealthCheckJobRequestBody(
                member_check=CreateMemberHealthCheckJobOption(listener_id="427eee03-b569-4d6c-b1f1-712032f7ec2d", subject="all")
            ),
        )), elb_models)
        for _ in range(50):
            job = strict(elb.show_member_health_check_job(ShowMemberHealthCheckJobRequest(job_id=r.member_check.job_id)), elb_models)
            if job.member_check.status != "processing":
                return differ("status", job.member_check.status, "processed")
            time.sleep(0.1)
        return "still processing"

    @step("huawei ELB with AK/SK and no project id: the SDK discovers it (GET /v3/projects?name=REGION)")
    def discovery():
        from huaweicloudsdkcore.region.region import Region

        c = (
            ElbClient.new_builder()
            .with_http_config(config)
            .with_credentials(BasicCredentials(HW_AK, HW_SK).with_iam_endpoint(base))
            .with_region(Region("cn-north-4", base))
            .build()
        )
        r = strict(c.list_members(ListMembersRequest(pool_id=ELB_POOL, limit=10)), elb_models)
        return differ("members", len(r.members), 6)

    @step("huawei APIG batch_disable_members then batch_enable_members (status 2, then 1)")
    def apig_switch():
        import huaweicloudsdkapig.v2 as apig_models
        from huaweicloudsdkapig.v2 import (
            ApigClient,
            BatchDisableMembersRequest,
            BatchEnableMembersRequest,
            ListBackendInstancesV2Request,
            MembersBatchEnableOrDisable,
        )

        c = build(ApigClient)

        def statuses():
            r = strict(c.list_backend_instances_v2(ListBackendInstancesV2Request(
                instance_id=APIG_INSTANCE, vpc_channel_id=APIG_CHANNEL, limit=500)), apig_models)
            return {m.id: m.status for m in r.members}

        before = statuses()
        one = sorted(before)[0]
        body = MembersBatchEnableOrDisable(member_ids=[one])
        c.batch_disable_members(BatchDisableMembersRequest(instance_id=APIG_INSTANCE, vpc_channel_id=APIG_CHANNEL, body=body))
        off = statuses()[one]
        c.batch_enable_members(BatchEnableMembersRequest(instance_id=APIG_INSTANCE, vpc_channel_id=APIG_CHANNEL, body=body))
        return differ("status after disable", off, 2) or differ("after enable", statuses(), dict(before, **{one: 1}))

    @step("huawei IAM POST /v3/auth/tokens (password): a token in X-Subject-Token, scoped to the project (plain HTTP: the IAM SDK is not pinned)")
    def iam_token():
        # huaweicloudsdkiam is not in requirements.txt: the call is made as it sends it.
        import urllib.request

        body = json.dumps({"auth": {
            "identity": {"methods": ["password"], "password": {"user": {
                "name": "emulator-user", "password": "emulator-password-do-not-use-in-prod",
                "domain": {"name": "emulator-domain"}}}},
            "scope": {"project": {"name": "cn-north-4"}}}}).encode()
        req = urllib.request.Request(base + "/v3/auth/tokens?nocatalog=true", data=body,
                                     headers={"Content-Type": "application/json;charset=utf8"})
        with urllib.request.urlopen(req) as resp:
            token = resp.headers.get("X-Subject-Token")
            data = json.loads(resp.read())
        return differ("(status, token present, project)", (resp.status, bool(token), data["token"]["project"]["id"]), (201, True, HW_PROJECT))

    for s in (list_paged, create, update, show, delete, show_gone, duplicate, wrong_sk, ports, apig, apig_write,
              batch, pool, check_job, discovery, apig_switch, iam_token):
        s()


def main():
    base = [a for a in sys.argv[1:] if not a.startswith("-")][0].rstrip("/")
    for provider in (tencent, huawei):
        try:
            provider(base)
        except Exception as e:  # noqa: BLE001 - an import or client build failure
            traceback.print_exc()
            RESULTS.append((provider.__name__, False))
            print(f"FAIL  {provider.__name__}: {e}")
    failed = [n for n, ok in RESULTS if not ok]
    print(f"\n{len(RESULTS) - len(failed)} passed, {len(failed)} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
