import itertools, json, sys, time
from uedtp.agents.uniform import UniformNetworkBlueprint
from uedtp.agents.neural.checkpoint import load_policy
from uedtp.eval.approx_exploitability import ExpectedSearchPolicy, exact_best_response_value
from uedtp.search.neural.search import neural_mmd
G, net, Q = sys.argv[1], sys.argv[2], int(sys.argv[3])
bps = {"uniform": UniformNetworkBlueprint(G), "net": load_policy(net, G)}
for name, bp in bps.items():
    print(name, "blueprint", round(exact_best_response_value(G, bp)["exploitability"], 4), flush=True)
    for eta, alpha in itertools.product([0.5, 1, 2, 5, 10, 50], [0.01, 0.1, 0.5]):
        t = time.time()
        v = [exact_best_response_value(G, ExpectedSearchPolicy(neural_mmd(bp, eta, alpha, num_histories=16, seed=s), Q))["exploitability"] for s in (1, 2)]
        print(json.dumps({"blueprint": name, "eta": eta, "alpha": alpha, "queries": Q, "values": v, "s": round(time.time()-t,1)}), flush=True)
