import json, sys
from uedtp.agents.neural.checkpoint import load_policy
from uedtp.eval.approx_exploitability import ExpectedSearchPolicy, exact_best_response_value
from uedtp.search.neural.search import neural_mmd
G=sys.argv[1]; bp=load_policy(sys.argv[2], G); Q=int(sys.argv[3])
for eta, alpha, h, r in [(0.1,0.01,16,2),(0.25,0.01,16,2),(1,0.01,64,8),(2,0.1,64,8),(1,0.5,64,8),(5,0.01,64,8)]:
    v=exact_best_response_value(G, ExpectedSearchPolicy(neural_mmd(bp, eta, alpha, num_histories=h, rollouts=r, seed=1), Q))["exploitability"]
    print(json.dumps({"eta":eta,"alpha":alpha,"histories":h,"rollouts":r,"value":round(v,4)}), flush=True)
