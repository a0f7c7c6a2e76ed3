//! Arrow string arrays in and out through the Arrow C data interface, so that pyarrow,
//! DuckDB and Polars hand veil their buffers without a copy and take the pseudonyms back
//! the same way, with no Arrow library linked in. Only `string` (`u`) and `large_string`
//! (`U`) arrays are read; the answer has the type of the question.
//!
//! The structs and their ownership rules are those of the specification
//! (arrow.apache.org/docs/format/CDataInterface.html): whoever holds a struct with a
//! `release` callback calls it exactly once; a consumer that moves a struct marks the source
//! released.

use std::ffi::{CStr, c_char, c_void};
use std::ptr;

use pyo3::exceptions::{PyOverflowError, PyTypeError, PyValueError};
use pyo3::prelude::*;

#[repr(C)]
struct ArrowSchema {
    format: *const c_char,
    name: *const c_char,
    metadata: *const c_char,
    flags: i64,
    n_children: i64,
    children: *mut *mut ArrowSchema,
    dictionary: *mut ArrowSchema,
    release: Option<unsafe extern "C" fn(*mut ArrowSchema)>,
    private_data: *mut c_void,
}

#[repr(C)]
struct ArrowArray {
    length: i64,
    null_count: i64,
    offset: i64,
    n_buffers: i64,
    n_children: i64,
    buffers: *mut *const c_void,
    children: *mut *mut ArrowArray,
    dictionary: *mut ArrowArray,
    release: Option<unsafe extern "C" fn(*mut ArrowArray)>,
    private_data: *mut c_void,
}

impl ArrowSchema {
    fn released() -> Self {
        ArrowSchema {
            format: ptr::null(),
            name: ptr::null(),
            metadata: ptr::null(),
            flags: 0,
            n_children: 0,
            children: ptr::null_mut(),
            dictionary: ptr::null_mut(),
            release: None,
            private_data: ptr::null_mut(),
        }
    }
}

impl ArrowArray {
    fn released() -> Self {
        ArrowArray {
            length: 0,
            null_count: 0,
            offset: 0,
            n_buffers: 0,
            n_children: 0,
            buffers: ptr::null_mut(),
            children: ptr::null_mut(),
            dictionary: ptr::null_mut(),
            release: None,
            private_data: ptr::null_mut(),
        }
    }
}

/// A string array exported by its producer, released when dropped.
pub struct Imported {
    schema: Box<ArrowSchema>,
    array: Box<ArrowArray>,
    large: bool,
}

impl Drop for Imported {
    fn drop(&mut self) {
        // SAFETY: the producer filled both structs; each release callback runs once, here.
        unsafe {
            if let Some(release) = self.array.release {
                release(&raw mut *self.array);
            }
            if let Some(release) = self.schema.release {
                release(&raw mut *self.schema);
            }
        }
    }
}

/// The last offset, when every offset is 0 or more and none is below the one before.
fn monotone<O: Copy + Into<i64>>(offsets: &[O]) -> Option<usize> {
    let mut last = 0i64;
    for (i, &o) in offsets.iter().enumerate() {
        let o: i64 = o.into();
        if o < 0 || (i > 0 && o < last) {
            return None;
        }
        last = o;
    }
    usize::try_from(last).ok()
}

/// The offsets of a string array: 32-bit (`string`) or 64-bit (`large_string`).
#[derive(Clone, Copy)]
pub enum Offsets<'a> {
    Small(&'a [i32]),
    Large(&'a [i64]),
}

/// A read-only view of an imported string array: plain slices, shared by worker threads.
#[derive(Clone, Copy)]
pub struct Strings<'a> {
    offsets: Offsets<'a>,
    data: &'a [u8],
    /// The validity bitmap and the array's offset into it; `None`: no nulls.
    validity: Option<&'a [u8]>,
    offset: usize,
    len: usize,
}

impl Imported {
    /// Asks `array` (a pyarrow `Array`) to export itself.
    ///
    /// # Errors
    /// The array is not `string` or `large_string`, or could not export itself.
    pub fn from_pyarrow(array: &Bound<'_, PyAny>) -> PyResult<Imported> {
        let mut imported = Imported {
            schema: Box::new(ArrowSchema::released()),
            array: Box::new(ArrowArray::released()),
            large: false,
        };
        let array_at = &raw mut *imported.array as usize;
        let schema_at = &raw mut *imported.schema as usize;
        array.call_method1("_export_to_c", (array_at, schema_at))?;
        if imported.schema.format.is_null() {
            return Err(PyValueError::new_err("the array exported no type"));
        }
        // SAFETY: a producer's format is a NUL-terminated string living as long as the schema.
        let format = unsafe { CStr::from_ptr(imported.schema.format) }.to_bytes();
        imported.large = match format {
            b"u" => false,
            b"U" => true,
            other => {
                return Err(PyTypeError::new_err(format!(
                    "veil pseudonymizes string and large_string arrays; this one has Arrow format {:?}: \
                     cast it first (pyarrow.compute.cast(array, pyarrow.string()))",
                    String::from_utf8_lossy(other)
                )));
            }
        };
        if imported.array.n_buffers != 3 || imported.array.buffers.is_null() {
            return Err(PyValueError::new_err("a string array without its three buffers"));
        }
        // SAFETY: `buffers` holds `n_buffers` (3) pointers, per the specification.
        let (offsets, data) = unsafe { (*imported.array.buffers.add(1), *imported.array.buffers.add(2)) };
        if imported.array.length < 0 || imported.array.offset < 0 {
            return Err(PyValueError::new_err("a string array with a negative length or offset"));
        }
        if offsets.is_null() {
            if imported.array.length > 0 {
                return Err(PyValueError::new_err("a string array without offsets"));
            }
            return Ok(imported);
        }
        let align = if imported.large { 8 } else { 4 };
        if offsets.cast::<u8>().align_offset(align) != 0 {
            return Err(PyValueError::new_err(
                "a string array whose offsets are not aligned: copy it first (pyarrow.concat_arrays([array]))",
            ));
        }
        // Offsets from 0 or more, never decreasing, and data behind any bytes they span:
        // checked once here, so that reading the values cannot go astray.
        let count = (imported.array.offset + imported.array.length + 1) as usize;
        // SAFETY: aligned, and `offset + length + 1` offsets long per the specification.
        let ok = unsafe {
            if imported.large {
                monotone(std::slice::from_raw_parts(offsets.cast::<i64>(), count))
            } else {
                monotone(std::slice::from_raw_parts(offsets.cast::<i32>(), count))
            }
        };
        match ok {
            Some(end) if end == 0 || !data.is_null() => Ok(imported),
            _ => Err(PyValueError::new_err("a string array with invalid offsets")),
        }
    }

    /// `large_string` rather than `string`.
    pub fn is_large(&self) -> bool {
        self.large
    }

    /// The array's buffers as slices, valid as long as `self`.
    pub fn strings(&self) -> Strings<'_> {
        let a = &*self.array;
        let len = usize::try_from(a.length).unwrap_or(0);
        let offset = usize::try_from(a.offset).unwrap_or(0);
        // SAFETY: per the specification a string array has 3 buffers: the validity bitmap
        // (null when there are no nulls), `offset + length + 1` offsets, and the data, which
        // the last offset bounds.
        unsafe {
            let buffers = std::slice::from_raw_parts(a.buffers, 3);
            let validity = (!buffers[0].is_null() && a.null_count != 0)
                .then(|| std::slice::from_raw_parts(buffers[0].cast::<u8>(), (offset + len).div_ceil(8)));
            let count = offset + len + 1;
            if buffers[1].is_null() {
                // An empty array may come without offsets.
                return Strings {
                    offsets: Offsets::Small(&[0]),
                    data: &[],
                    validity: None,
                    offset: 0,
                    len: 0,
                };
            }
            let (offsets, end) = if self.large {
                let o = std::slice::from_raw_parts(buffers[1].cast::<i64>(), count);
                (Offsets::Large(o), usize::try_from(o[count - 1]).unwrap_or(0))
            } else {
                let o = std::slice::from_raw_parts(buffers[1].cast::<i32>(), count);
                (Offsets::Small(o), usize::try_from(o[count - 1]).unwrap_or(0))
            };
            let data = if end == 0 || buffers[2].is_null() {
                &[][..]
            } else {
                std::slice::from_raw_parts(buffers[2].cast::<u8>(), end)
            };
            Strings {
                offsets,
                data,
                validity,
                offset,
                len,
            }
        }
    }
}

impl<'a> Strings<'a> {
    /// Number of values.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Value `i`, `None` when null.
    pub fn get(&self, i: usize) -> Option<&'a [u8]> {
        let at = self.offset + i;
        if let Some(bits) = self.validity
            && bits[at / 8] & (1 << (at % 8)) == 0
        {
            return None;
        }
        let (start, end) = match self.offsets {
            Offsets::Small(o) => (o[at] as usize, o[at + 1] as usize),
            Offsets::Large(o) => (o[at] as usize, o[at + 1] as usize),
        };
        Some(&self.data[start..end])
    }
}

/// A string array being built: values appended to one data buffer, with their end offsets
/// and validity.
#[derive(Default)]
pub struct Built {
    /// The values' bytes, back to back.
    pub data: Vec<u8>,
    /// Where each value ends in `data` (the first starts at 0).
    pub ends: Vec<u64>,
    /// One bit per value, set when it is not null (Arrow's validity bitmap).
    pub validity: Vec<u8>,
    /// How many values are null.
    pub nulls: usize,
}

impl Built {
    /// Room for `n` values of about `width` bytes each.
    pub fn with_capacity(n: usize, width: usize) -> Self {
        Built {
            data: Vec::with_capacity(n * width),
            ends: Vec::with_capacity(n),
            validity: Vec::with_capacity(n.div_ceil(8)),
            nulls: 0,
        }
    }

    /// Ends the value appended to `data` since the last call; `valid: false` makes it null.
    pub fn push(&mut self, valid: bool) {
        let i = self.ends.len();
        if i.is_multiple_of(8) {
            self.validity.push(0);
        }
        if valid {
            self.validity[i / 8] |= 1 << (i % 8);
        } else {
            self.nulls += 1;
        }
        self.ends.push(self.data.len() as u64);
    }

    /// Appends `other` (built by another thread for the next values).
    pub fn append(&mut self, other: Built) {
        let base = self.data.len() as u64;
        let start = self.ends.len();
        self.data.extend_from_slice(&other.data);
        self.ends.extend(other.ends.iter().map(|e| e + base));
        self.validity.resize(self.ends.len().div_ceil(8), 0);
        for j in 0..other.ends.len() {
            if other.validity[j / 8] & (1 << (j % 8)) != 0 {
                let i = start + j;
                self.validity[i / 8] |= 1 << (i % 8);
            }
        }
        self.nulls += other.nulls;
    }

    /// Hands the array to pyarrow (`pyarrow.Array._import_from_c`), which takes ownership of
    /// the buffers without a copy.
    ///
    /// # Errors
    /// `string` offsets would overflow 2 GiB, or pyarrow refuses the array.
    pub fn into_pyarrow<'py>(self, py: Python<'py>, large: bool) -> PyResult<Bound<'py, PyAny>> {
        let len = self.ends.len();
        let mut owned = Box::new(Owned {
            offsets_small: Vec::new(),
            offsets_large: Vec::new(),
            validity: self.validity,
            data: self.data,
            buffers: [ptr::null(); 3],
        });
        if large {
            owned.offsets_large = std::iter::once(0).chain(self.ends.iter().map(|&e| e as i64)).collect();
            owned.buffers[1] = owned.offsets_large.as_ptr().cast();
        } else {
            let last = self.ends.last().copied().unwrap_or(0);
            if last > i32::MAX as u64 {
                return Err(PyOverflowError::new_err(
                    "the pseudonyms of this string array exceed 2 GiB: pass a large_string array, or smaller chunks",
                ));
            }
            owned.offsets_small = std::iter::once(0).chain(self.ends.iter().map(|&e| e as i32)).collect();
            owned.buffers[1] = owned.offsets_small.as_ptr().cast();
        }
        if self.nulls > 0 {
            owned.buffers[0] = owned.validity.as_ptr().cast();
        }
        owned.buffers[2] = owned.data.as_ptr().cast();
        // Raw from here on: the release callback owns it, and the pointer to its buffer list
        // is taken from the raw pointer (not from the Box, whose move would invalidate it).
        let owned = Box::into_raw(owned);
        // SAFETY: `owned` is valid until the release callback frees it.
        let buffers = unsafe { (&raw mut (*owned).buffers).cast::<*const c_void>() };
        let mut array = Box::new(ArrowArray {
            length: len as i64,
            null_count: self.nulls as i64,
            offset: 0,
            n_buffers: 3,
            n_children: 0,
            buffers,
            children: ptr::null_mut(),
            dictionary: ptr::null_mut(),
            release: Some(release_array),
            private_data: owned.cast(),
        });
        let format: &'static CStr = if large { c"U" } else { c"u" };
        let mut schema = Box::new(ArrowSchema {
            format: format.as_ptr(),
            name: c"".as_ptr(),
            metadata: ptr::null(),
            flags: 2, // ARROW_FLAG_NULLABLE
            n_children: 0,
            children: ptr::null_mut(),
            dictionary: ptr::null_mut(),
            release: Some(release_schema),
            private_data: ptr::null_mut(),
        });
        let pyarrow = py.import("pyarrow")?;
        let result = pyarrow
            .getattr("Array")?
            .call_method1("_import_from_c", (&raw mut *array as usize, &raw mut *schema as usize));
        // pyarrow moved what it took and marked the structs released; on a failure before
        // that, they are still ours.
        // SAFETY: each callback runs at most once, and only while still set.
        unsafe {
            if let Some(release) = array.release {
                release(&raw mut *array);
            }
            if let Some(release) = schema.release {
                release(&raw mut *schema);
            }
        }
        result
    }
}

/// The buffers of an exported array, freed by its release callback.
struct Owned {
    offsets_small: Vec<i32>,
    offsets_large: Vec<i64>,
    validity: Vec<u8>,
    data: Vec<u8>,
    buffers: [*const c_void; 3],
}

unsafe extern "C" fn release_array(array: *mut ArrowArray) {
    // SAFETY: called once by the array's holder, on the struct we filled in `into_pyarrow`.
    unsafe {
        let array = &mut *array;
        drop(Box::from_raw(array.private_data.cast::<Owned>()));
        array.private_data = ptr::null_mut();
        array.release = None;
    }
}

unsafe extern "C" fn release_schema(schema: *mut ArrowSchema) {
    // SAFETY: as above; the schema's strings are static.
    unsafe {
        (*schema).release = None;
    }
}
