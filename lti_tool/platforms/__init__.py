"""The platforms this tool is registered with, as records: registrations, deployments, the
tool's signing keys and resource links, and the LTI claim names they speak (no behaviour; the
protocol itself lives in ``lti_tool.lti``)."""
