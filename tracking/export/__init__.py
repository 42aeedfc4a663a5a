"""The tracker's state as typed, versioned data (msgspec Structs, msgpack on the wire).

One Struct per state class, each beside the code that converts it: device.py (a device's slot:
reorder buffer, newest fix; day figures), passes.py (road choice and pass counting), each rule's
slot in its own module in tracking/rules/, alerts.py (open alerts, pass records), roads.py (the
road rules and their ledger), tracker.py (a whole tracker), envelope.py (kind and version on the
wire; pickles and unknown versions refused). Nothing here is ever pickled: state crosses
processes and Redis as data only.
"""
