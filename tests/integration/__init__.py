"""The connector against the real sandbox server over loopback HTTP."""
