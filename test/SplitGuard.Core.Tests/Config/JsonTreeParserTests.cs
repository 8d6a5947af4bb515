using SplitGuard.Core.Config;
using Xunit;

namespace SplitGuard.Core.Tests.Config;

public sealed class JsonTreeParserTests
{
    [Fact]
    public void ValuesAndKeysCarryLineAndColumn()
    {
        var root = Assert.IsType<JsonTreeObject>(JsonTreeParser.Parse("{\n  \"a\": [1, \"x\", true, null],\n\t\"b\": {\"c\": -1.5e3}\n}"));

        Assert.Equal((1, 1), (root.Line, root.Column));
        var a = root.Properties[0];
        Assert.Equal(("a", 2, 3), (a.Name, a.Line, a.Column));
        var array = Assert.IsType<JsonTreeArray>(a.Value);
        Assert.Equal((2, 8), (array.Line, array.Column));
        Assert.Equal("1", Assert.IsType<JsonTreeNumber>(array.Items[0]).Text);
        var x = Assert.IsType<JsonTreeString>(array.Items[1]);
        Assert.Equal(("x", 2, 12), (x.Value, x.Line, x.Column));
        Assert.Equal(JsonTreeLiteralKind.True, Assert.IsType<JsonTreeLiteral>(array.Items[2]).Kind);
        Assert.Equal(JsonTreeLiteralKind.Null, Assert.IsType<JsonTreeLiteral>(array.Items[3]).Kind);
        var b = root.Properties[1];
        Assert.Equal((3, 2), (b.Line, b.Column));
        var c = Assert.IsType<JsonTreeNumber>(Assert.IsType<JsonTreeObject>(b.Value).Properties[0].Value);
        Assert.Equal(("-1.5e3", -1500m), (c.Text, c.AsDecimal()));
        Assert.Equal((3, 13), (c.Line, c.Column));
    }

    [Fact]
    public void DuplicateKeysAreKept()
    {
        var root = Assert.IsType<JsonTreeObject>(JsonTreeParser.Parse("{\"k\": 1, \"k\": 2}"));

        Assert.Equal(["1", "2"], root.Properties.Select(p => ((JsonTreeNumber)p.Value).Text));
    }

    [Fact]
    public void EscapesAreDecoded()
    {
        var node = Assert.IsType<JsonTreeString>(JsonTreeParser.Parse("\"a\\\"b\\\\c\\/d\\n\\t\\u0041\\ud83d\\ude00\""));

        Assert.Equal("a\"b\\c/d\n\tA\U0001F600", node.Value);
    }

    [Theory]
    [InlineData("{\"a\": 1 \"b\": 2}", 1, 9, "$", "expected ',' or '}' after the value of \"a\", got '\"'")]
    [InlineData("{\"a\": [1, 2,]}", 1, 13, "$.a", "a comma before ']' is not allowed in JSON (trailing comma)")]
    [InlineData("{\n  \"a\": 1,\n}", 3, 1, "$", "a comma before '}' is not allowed in JSON (trailing comma)")]
    [InlineData("{\"a\": 'x'}", 1, 7, "$.a", "strings must be in double quotes (\"...\"), not single quotes")]
    [InlineData("{'a': 1}", 1, 2, "$", "keys must be in double quotes (\"key\"), not single quotes")]
    [InlineData("{\"a\": tru}", 1, 10, "$.a", "unexpected word 'tru': expected a value (strings must be in double quotes)")]
    [InlineData("{\"a\": True}", 1, 7, "$.a", "unexpected word 'True': expected a value (JSON literals are lowercase: true)")]
    [InlineData("{\"a\": 01}", 1, 8, "$.a", "invalid number: leading zeros are not allowed in JSON")]
    [InlineData("{\"a\": .5}", 1, 7, "$.a", "a number must start with a digit (write 0.5, not .5)")]
    [InlineData("{\"a\": 1.}", 1, 9, "$.a", "invalid number: expected a digit after '.'")]
    [InlineData("{\"a\": 5s}", 1, 8, "$.a", "invalid number: unexpected 's' (strings must be in double quotes)")]
    [InlineData("{\"a\": \"x\ny\"}", 1, 9, "$.a", "line break inside the string started at line 1, column 7 (missing closing '\"'?)")]
    [InlineData("{\"a\": \"\\q\"}", 1, 9, "$.a", "invalid escape '\\q' in a string")]
    [InlineData("{\"a\": \"\\u12\"}", 1, 12, "$.a", "expected four hex digits after \\u")]
    [InlineData("{\"a\": 1} x", 1, 10, "$", "unexpected 'x' after the end of the JSON document")]
    [InlineData("", 1, 1, "$", "the document is empty: expected a JSON object")]
    [InlineData("  \n ", 2, 2, "$", "the document is empty: expected a JSON object")]
    [InlineData("{\"a\": 1", 1, 8, "$", "unexpected end of file: the object opened at line 1, column 1 is not closed with '}'")]
    [InlineData("{\"a\": [1", 1, 9, "$.a", "unexpected end of file: the array opened at line 1, column 7 is not closed with ']'")]
    [InlineData("{\"a\": \"abc", 1, 11, "$.a", "unexpected end of file: the string started at line 1, column 7 is not closed with '\"'")]
    [InlineData("{\"a\": /x}", 1, 7, "$.a", "a '/' that starts no comment")]
    [InlineData("{\"a\": [{\"b\": [1, }]}", 1, 18, "$.a[0].b[1]", "expected a value (object, array, string, number, true, false or null), got '}'")]
    [InlineData("{\"a\" 1}", 1, 6, "$", "expected ':' after the key \"a\", got '1'")]
    [InlineData("{\"my key\": x}", 1, 12, "$['my key']", "unexpected word 'x'")]
    public void SyntaxErrorsSayWhereAndWhat(string json, int line, int column, string path, string message)
    {
        var error = Assert.Throws<JsonSyntaxException>(() => JsonTreeParser.Parse(json));

        Assert.Equal((line, column, path), (error.Line, error.Column, error.JsonPath));
        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CommentsAreSkippedAndPositionsAfterThemStayRight()
    {
        var root = Assert.IsType<JsonTreeObject>(JsonTreeParser.Parse("// the cluster\n{\n  /* two\n     lines */ \"a\": 1, // tail\n  \"b\": [2]\n}\n"));

        var b = root.Properties.Single(p => p.Name == "b");
        Assert.Equal((5, 8), (b.Value.Line, b.Value.Column));
        Assert.Equal(["a", "b"], root.Properties.Select(p => p.Name));
    }

    [Fact]
    public void DeepNestingIsRefusedWithoutOverflowingTheStack()
    {
        var json = new string('[', 10_000) + new string(']', 10_000);

        var error = Assert.Throws<JsonSyntaxException>(() => JsonTreeParser.Parse(json));

        Assert.Equal($"nesting deeper than {JsonTreeParser.MaxDepth} levels", error.Message);
        Assert.Equal(JsonTreeParser.MaxDepth + 1, error.Column);
    }

    [Fact]
    public void DescribeQuotesAndShortensStrings()
    {
        Assert.Equal("\"a\\\"b\\n\"", JsonTreeString.Quote("a\"b\n"));
        Assert.Equal("\"" + new string('x', 60) + "...\"", JsonTreeString.Quote(new string('x', 100)));
    }
}
