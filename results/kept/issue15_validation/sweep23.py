import json, sys, time
from uedtp.agents.neural.checkpoint import load_policy
from uedtp.agents.uniform import UniformNetworkBlueprint
from uedtp.eval.approx_exploitability import ExpectedSearchPolicy, exact_best_response_value
from uedtp.search.neural.search import neural_mmd
G=sys.argv[1]; Q=int(sys.argv[3])
net=load_policy(sys.argv[2], G)
print(json.dumps({"policy":"net","value":exact_best_response_value(G, net)["exploitability"]}), flush=True)
for t in (1.25, 1.5):
    p=load_policy(sys.argv[2], G); p.temperature=t
    print(json.dumps({"policy":f"net_T{t}","value":exact_best_response_value(G, p)["exploitability"]}), flush=True)
for name, bp, eta, alpha in [("net",net,1,0.5),("net",net,2,0.1),("net",net,0.5,0.5),("net",net,1,1.0),("uniform",UniformNetworkBlueprint(G),50,0.01),("uniform",UniformNetworkBlueprint(G),10,0.1)]:
    t=time.time()
    v=exact_best_response_value(G, ExpectedSearchPolicy(neural_mmd(bp, eta, alpha, num_histories=16, rollouts=2, seed=1), Q))["exploitability"]
    print(json.dumps({"policy":f"mmd_over_{name}","eta":eta,"alpha":alpha,"queries":Q,"value":round(v,4),"s":round(time.time()-t)}), flush=True)
