using Ipv8.Interop.Tests.Support;
using Ipv8.Tests.Shared;

namespace Ipv8.Interop.Tests;

/// <summary>
/// The prerequisite check behind every interop test: what it reports when something is missing, and that a missing
/// prerequisite skips a test, or fails it under <c>IPV8_REQUIRE_PY_IPV8=1</c>.
/// </summary>
public class PrerequisiteTests
{
    [Fact]
    public void A_missing_interpreter_is_named_with_how_to_install_the_prerequisites()
    {
        var missing = PyIpv8.Check("/nonexistent/python3", PyIpv8.Directory, PyIpv8.Modules);

        Assert.NotNull(missing);
        Assert.Contains("/nonexistent/python3 does not exist", missing, StringComparison.Ordinal);
        Assert.Contains("apt-get install python3-libnacl python3-m2crypto python3-cryptography python3-aiohttp python3-aiohttp-apispec python3-typing-extensions", missing, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_py_ipv8_checkout_is_named()
    {
        var missing = PyIpv8.Check(PyIpv8.Python, "/nonexistent/py-ipv8", PyIpv8.Modules);

        Assert.NotNull(missing);
        Assert.Contains(File.Exists(PyIpv8.Python) ? "py-ipv8 was not found at /nonexistent/py-ipv8" : "does not exist", missing, StringComparison.Ordinal);
        Assert.Contains("apt-get install", missing, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void A_module_that_does_not_import_is_named_with_pythons_error()
    {
        Skip.IfNot(File.Exists(PyIpv8.Python) && Directory.Exists(PyIpv8.Directory), $"needs {PyIpv8.Python} and {PyIpv8.Directory}");

        var missing = PyIpv8.Check(PyIpv8.Python, PyIpv8.Directory, ["ipv8", "no_such_module_for_ipv8_tests"]);

        Assert.NotNull(missing);
        Assert.Contains("No module named 'no_such_module_for_ipv8_tests'", missing, StringComparison.Ordinal);
        Assert.Contains("apt-get install", missing, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_prerequisite_skips_the_test_with_its_reason()
    {
        var skip = Assert.Throws<SkipException>(() => PyIpv8.Decide("libnacl is missing", required: false, count: false));

        Assert.Contains("libnacl is missing", skip.Message, StringComparison.Ordinal);
        Assert.Contains(PyIpv8.RequireVariable, skip.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_prerequisite_fails_the_test_when_py_ipv8_is_required()
    {
        var failure = Assert.Throws<Xunit.Sdk.XunitException>(() => PyIpv8.Decide("libnacl is missing", required: true));

        Assert.Contains("libnacl is missing", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Nothing_missing_neither_skips_nor_fails()
    {
        PyIpv8.Decide(null, required: true);
        PyIpv8.Decide(null, required: false);
    }
}
