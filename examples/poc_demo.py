"""Calls every function of the sample wheel (csharp_src/samples/PocExports), as a user would."""

import array
import os
import tempfile

import aotsample_poc as poc

print("add(2, 3) =", poc.add(2, 3))

html = bytearray(256)
size = poc.markdown_to_html("# From C#\n\nMarkdown rendered by the *Markdig* NuGet package.", html, len(html))
print("markdown_to_html ->", bytes(html[:size]).decode().strip())

with tempfile.TemporaryDirectory() as folder:
    path = os.path.join(folder, "note.txt")
    written = poc.write_text_file(path, "written by .NET, read back by .NET")
    buffer = bytearray(100)
    length = poc.read_text_file(path, buffer, len(buffer))
    print(f"file: wrote {written} bytes, read back {bytes(buffer[:length]).decode()!r}")

values = array.array("d", [1.5, 2.5, 3.0])
print("sum_doubles([1.5, 2.5, 3.0]) =", poc.sum_doubles(values, len(values)))

squares = array.array("d", [0.0] * 6)
poc.fill_squares(squares, len(squares))
print("fill_squares (in place) ->", list(squares))

maps = open("/proc/self/maps").read() if os.path.exists("/proc/self/maps") else ""
print("a .NET runtime (coreclr/hostfxr) loaded:", "coreclr" in maps or "hostfxr" in maps)
