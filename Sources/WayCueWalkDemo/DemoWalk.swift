import WayCueSynth

/// The demo walk, embedded so `waycue demo` works from any folder and from an installed
/// binary. It is `datasets/walks/demo.walk` byte for byte (a test keeps the two equal).
public enum DemoWalk {
    /// The script's text.
    public static let text = """
# WayCue demo walk (~37 s at 1.2 m/s): follow yellow guidance paving through a left bend,
# pass a cone standing just right of the paving (warned before the walker reaches it),
# arrive at a zebra crossing while the pedestrian light is red, wait, cross on green.
name demo
seed 42
camera height 1.3 pitch 15 hfov 70
ground sidewalk
paving style yellow width 0.3 wear 0.15
walker speed 1.2
sun azimuth 220 elevation 40 strength 0.7
noise 2

paving straight 8m
paving bend left 20deg over 4m
paving straight 6m
obstacle cone at x=0.6 y=14
obstacle bollard at x=-1.5 y=6
obstacle pole at x=1.4 y=10
paving straight 4m
crossing road 8m width 4m
# Red until 24 s: the walker reaches the kerb at about 18 s and waits for the green.
light ped red for 24s then green for 12s then flashing 4s countdown
# A vehicle head that must never decide the crossing: green while pedestrians have red.
light vehicle green for 20s then yellow for 3s then red for 17s
paving straight 6m
"""

    /// The parsed script.
    public static func script() throws(WalkScriptError) -> WalkScript {
        try WalkScript(parsing: text, source: "demo.walk")
    }
}
