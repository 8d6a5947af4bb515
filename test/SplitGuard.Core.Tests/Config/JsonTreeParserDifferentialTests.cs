using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using SplitGuard.Core.Config;
using Xunit;

namespace SplitGuard.Core.Tests.Config;

/// <summary>
/// The config parser against System.Text.Json itself (issue 13): over a corpus of every example file in
/// packaging/examples, every JSON block in docs/ and the README, and seeded single-character mutations of each (a
/// character deleted, inserted or doubled), both accept the same documents and put every error at the same line and
/// column. The one difference kept on purpose: an escape that leaves half of a surrogate pair is an error here
/// (JsonDocument accepts it and fails only when the string is read).
/// </summary>
public sealed partial class JsonTreeParserDifferentialTests
{
    private const int MutationsPerDocument = 300;
    private static readonly char[] Inserted = [',', '}', ']', '{', '[', '"', ':', 'x', '\'', '/', '0', '.', '-', '\\', ' ', '\n', 'é'];

    [GeneratedRegex("```json\\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex JsonBlock();

    private static string Root()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "SplitGuard.slnx")))
        {
            dir = dir.Parent;
        }

        Assert.NotNull(dir);
        return dir.FullName;
    }

    public static TheoryData<string> Corpus()
    {
        var data = new TheoryData<string>();
        foreach (var entry in CorpusEntries())
        {
            data.Add(entry);
        }

        return data;
    }

    private static List<string> CorpusEntries()
    {
        var root = Root();
        var data = new List<string>();
        foreach (var file in Directory.GetFiles(Path.Combine(root, "packaging", "examples"), "*.json").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetRelativePath(root, file));
        }

        foreach (var file in Directory.GetFiles(Path.Combine(root, "docs"), "*.md").Append(Path.Combine(root, "README.md")).Order(StringComparer.Ordinal))
        {
            var blocks = JsonBlock().Matches(File.ReadAllText(file)).Count;
            for (var i = 0; i < blocks; i++)
            {
                // As written, and wrapped in braces: many blocks show one section ("Tickets": {...}) of a file.
                data.Add($"{Path.GetRelativePath(root, file)}#{i}");
                data.Add($"{Path.GetRelativePath(root, file)}#{i}{{}}");
            }
        }

        return data;
    }

    private static string Read(string entry)
    {
        var root = Root();
        var hash = entry.IndexOf('#', StringComparison.Ordinal);
        if (hash < 0)
        {
            return File.ReadAllText(Path.Combine(root, entry));
        }

        var blocks = JsonBlock().Matches(File.ReadAllText(Path.Combine(root, entry[..hash])));
        var wrapped = entry.EndsWith("{}", StringComparison.Ordinal);
        var block = blocks[int.Parse(entry[(hash + 1)..^(wrapped ? 2 : 0)], System.Globalization.CultureInfo.InvariantCulture)].Groups[1].Value;
        return wrapped ? "{\n" + block + "}\n" : block;
    }

    [Fact]
    public void The_corpus_is_not_empty_and_holds_valid_configs()
    {
        var corpus = CorpusEntries();
        Assert.True(corpus.Count >= 15, $"corpus: {string.Join(", ", corpus)}");
        var valid = corpus.Where(e => Accepts(Read(e))).ToList();
        Assert.True(valid.Count >= 8, $"valid JSON in the corpus: {string.Join(", ", valid)}");
    }

    [Theory]
    [MemberData(nameof(Corpus))]
    public void Accepts_and_refuses_what_System_Text_Json_does_at_the_same_position(string entry)
    {
        var text = Read(entry);
        var random = new Random(StringComparer.Ordinal.GetHashCode(entry) & 0x7fffffff ^ 20261203);
        var checkedErrors = 0;
        Compare(entry, text, ref checkedErrors);
        for (var i = 0; i < MutationsPerDocument && text.Length > 0; i++)
        {
            var at = random.Next(text.Length);
            var mutated = random.Next(3) switch
            {
                0 => text.Remove(at, 1),
                1 => text.Insert(at, Inserted[random.Next(Inserted.Length)].ToString()),
                _ => text.Insert(at, text[at].ToString()),
            };
            Compare($"{entry} mutation {i} at {at}", mutated, ref checkedErrors);
        }

        Assert.True(checkedErrors >= MutationsPerDocument / 10, $"{entry}: only {checkedErrors} mutations were errors for both");
    }

    private static bool Accepts(string text)
    {
        try
        {
            JsonTreeParser.Parse(text);
            return true;
        }
        catch (JsonSyntaxException)
        {
            return false;
        }
    }

    private static void Compare(string what, string text, ref int errors)
    {
        JsonSyntaxException? ours = null;
        try
        {
            JsonTreeParser.Parse(text);
        }
        catch (JsonSyntaxException e)
        {
            ours = e;
        }

        JsonException? theirs = null;
        try
        {
            using var document = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = JsonTreeParser.MaxDepth, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException e)
        {
            theirs = e;
        }

        if (ours is not null && theirs is null && ours.Message.Contains("unpaired surrogate", StringComparison.Ordinal))
        {
            return;
        }

        Assert.True((ours is null) == (theirs is null),
            $"{what}: ours {(ours is null ? "accepts" : $"refuses ({ours.Line}:{ours.Column} {ours.Message})")}, System.Text.Json {(theirs is null ? "accepts" : $"refuses ({theirs.Message})")}{Environment.NewLine}{text}");
        if (ours is null || theirs is null)
        {
            return;
        }

        errors++;
        var body = text.Length > 0 && text[0] == '\uFEFF' ? text[1..] : text;
        var line = (int)theirs.LineNumber!.Value;
        var lines = body.Split('\n');
        var lineBytes = Encoding.UTF8.GetBytes(line < lines.Length ? lines[line] : string.Empty);
        var column = Encoding.UTF8.GetCharCount(lineBytes, 0, (int)Math.Min(theirs.BytePositionInLine!.Value, lineBytes.Length)) + 1;
        Assert.True((line + 1, column) == (ours.Line, ours.Column),
            $"{what}: ours at {ours.Line}:{ours.Column} ({ours.Message}), System.Text.Json at {line + 1}:{column} ({theirs.Message}){Environment.NewLine}{text}");
    }
}
