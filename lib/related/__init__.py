"""Related-party risk: the corporate relationship graph (shareholders, guarantees, control,
legal representatives, supply chains) between corporate customers and outside companies.

Modules, one way (graph → circles, groups → risk → report → ui):
- ``graph``   loads the ``relations`` and ``outside_parties`` tables into networkx graphs (cached per
              database and data version), narrows them to a viewer's Scope, k-hop neighbourhoods;
- ``circles`` guarantee circles (cycles of the guarantee digraph) and guarantee chains;
- ``groups``  groups (connected components through control and ownership) and the bank's exposure;
- ``risk``    risk facts of a party, the risk flag of a client and its reason as a path;
- ``report``  the page's tables, each a function ``(db, scope, ...)`` for the data-version cache;
- ``ui``      the page's Streamlit helpers (the only module here that imports Streamlit).
"""
